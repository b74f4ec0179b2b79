package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestGoldenClasses pins the views of a run with caller classes: the
// classes side by side, the load line, and the bad answer example.
func TestGoldenClasses(t *testing.T) {
	r := classedReport()
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"classes.golden.txt", func(w *bytes.Buffer) error { return WriteTable(w, r) }},
		{"classes.golden.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, r) }},
		{"classes.golden.xml", func(w *bytes.Buffer) error { return WriteJUnit(w, r) }},
	} {
		golden(t, c.name, []byte(written(t, c.write)))
	}
}

// TestOneClassIsNotShown: a run of one kind of caller gets no classes
// section in any view, though report.json has its class.
func TestOneClassIsNotShown(t *testing.T) {
	r := sample("one", 20*time.Millisecond)
	if len(r.Classes) != 1 {
		t.Fatalf("classes %v", r.Classes)
	}
	for _, text := range []string{
		written(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }),
		written(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }),
		written(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) }),
		written(t, func(b *bytes.Buffer) error { return WriteJUnit(b, r) }),
	} {
		if strings.Contains(text, "caller classes") || strings.Contains(text, "Caller classes") || strings.Contains(text, `"class default"`) {
			t.Errorf("a single class is shown:\n%s", text)
		}
	}
	if !strings.Contains(written(t, func(b *bytes.Buffer) error { return WriteJSON(b, r) }), `"classes": {`+"\n"+`    "default": {`) {
		t.Error("report.json lacks its one class")
	}
}

// TestLoadLine: offered → attempts → goodput with the amplification; what
// was not measured says so, never 0.
func TestLoadLine(t *testing.T) {
	r := sample("a", 20*time.Millisecond)
	if got := loadText(r); got != "100 → 120 → 94 (×1.20)" {
		t.Errorf("load %q", got)
	}
	if got := rowValue(t, written(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }), "load", "offered → attempts → goodput"); got != "100 → 120 → 94 (×1.20)" {
		t.Errorf("table load %q", got)
	}
	if got := loadText(rebuiltReport(t)); got != "4 → 5 → not measured (×1.25)" {
		t.Errorf("rebuilt load %q", got)
	}
	if got := loadText(NewAggregator(t0).Finish(t0)); got != "0 → 0 → 0 (n/a)" {
		t.Errorf("empty load %q", got)
	}
	old := sample("old", time.Millisecond)
	old.Load = LoadSummary{} // a report.json written before load was
	if got := loadText(old); got != NotMeasured {
		t.Errorf("old report's load %q", got)
	}
}

func TestHTMLClassesLoadAndBadAnswer(t *testing.T) {
	r := classedReport()
	r.BadAnswer.Body = `<script>alert(1)</script>`
	html := written(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) })
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
	if strings.Contains(html, "<script>alert(1)</script>") || externalRef.MatchString(html) {
		t.Error("bad answer body not escaped, or an external reference")
	}
	// Nothing retried and no breaker opened: the load chart would repeat
	// the attempts chart.
	if d := chartOf(attackReport()); d.HasLoad || len(d.Breakers) != 0 {
		t.Errorf("load chart without retries: %+v", d)
	}
}

func TestMarkdownFenceOutlastsBackticks(t *testing.T) {
	if got := fence("a ```` b"); got != "`````" {
		t.Errorf("fence %q", got)
	}
	if got := fence("plain"); got != "```" {
		t.Errorf("fence %q", got)
	}
}
