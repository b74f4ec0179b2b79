package reports_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// TestGoldenClasses pins the views of a run with caller classes: the
// classes side by side, the load line, and the bad answer example.
func TestGoldenClasses(t *testing.T) {
	r := reports.ClassedReport()
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"classes.golden.txt", func(w *bytes.Buffer) error { return views.WriteTable(w, r) }},
		{"classes.golden.md", func(w *bytes.Buffer) error { return views.WriteMarkdown(w, r) }},
		{"classes.golden.xml", func(w *bytes.Buffer) error { return views.WriteJUnit(w, r) }},
	} {
		reports.Golden(t, c.name, []byte(testenv.Written(t, c.write)))
	}
}

// TestOneClassIsNotShown: a run of one kind of caller gets no classes
// section in any view, though report.json has its class.
func TestOneClassIsNotShown(t *testing.T) {
	r := reportstest.Sample("one", 20*time.Millisecond)
	if len(r.Classes) != 1 {
		t.Fatalf("classes %v", r.Classes)
	}
	for _, text := range []string{
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) }),
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) }),
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) }),
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteJUnit(b, r) }),
	} {
		if strings.Contains(text, "caller classes") || strings.Contains(text, "Caller classes") || strings.Contains(text, `"class default"`) {
			t.Errorf("a single class is shown:\n%s", text)
		}
	}
	if !strings.Contains(testenv.Written(t, func(b *bytes.Buffer) error { return reports.WriteJSON(b, r) }), `"classes": {`+"\n"+`    "default": {`) {
		t.Error("report.json lacks its one class")
	}
}

// TestLoadLine: offered → attempts → goodput with the amplification; what
// was not measured says so, never 0.
func TestLoadLine(t *testing.T) {
	r := reportstest.Sample("a", 20*time.Millisecond)
	loadText := func(r *reports.Report) string {
		return testenv.RowValue(t, testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) }), "load", "offered → attempts → goodput")
	}
	if got := loadText(r); got != "100 → 120 → 94 (×1.20)" {
		t.Errorf("load %q", got)
	}
	if got := loadText(reports.RebuiltReport(t)); got != "4 → 5 → not measured (×1.25)" {
		t.Errorf("rebuilt load %q", got)
	}
	if got := loadText(reports.NewAggregator(reports.T0).Finish(reports.T0)); got != "0 → 0 → 0 (n/a)" {
		t.Errorf("empty load %q", got)
	}
	old := reportstest.Sample("old", time.Millisecond)
	old.Load = reports.LoadSummary{} // a report.json written before load was
	if got := loadText(old); got != reports.NotMeasured {
		t.Errorf("old report's load %q", got)
	}
}

func TestHTMLClassesLoadAndBadAnswer(t *testing.T) {
	r := reports.ClassedReport()
	r.BadAnswer.Body = `<script>alert(1)</script>`
	html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) })
	for _, want := range []string{
		"<h2>Caller classes</h2>", "<th>batch</th><th>erp</th><th>idle</th>", "<td>amplification</td><td>×2.00</td><td>×1.67</td><td>n/a</td>",
		"<h2>Bad answer</h2>", "&lt;script&gt;alert(1)&lt;/script&gt;", "Offered vs attempts vs goodput per second",
		`"breakers":[{"t":1,"label":"breaker opened","color":"#e377c2"},{"t":2,"label":"2 breakers opened","color":"#e377c2"}]`,
		`"has_load":true`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %s", want)
		}
	}
	if strings.Contains(html, "<script>alert(1)</script>") || testenv.ExternalRef.MatchString(html) {
		t.Error("bad answer body not escaped, or an external reference")
	}
	// Nothing retried and no breaker opened: the load chart would repeat
	// the attempts chart.
	if html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, attackReport()) }); !strings.Contains(html, `"breakers":[],"has_load":false`) {
		t.Errorf("load chart without retries: %s", html)
	}
}
