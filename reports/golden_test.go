package reports_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
	"github.com/rehearse-dev/rehearse/reports/views"
)

func TestGoldenRenderers(t *testing.T) {
	a, b := reportstest.Sample("storm-sync", 20*time.Millisecond), reportstest.Sample("storm-async", 40*time.Millisecond)
	b.Verdict, b.Expect = "pass", "fail"
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"table.golden.txt", func(w *bytes.Buffer) error { return views.WriteTable(w, a, b) }},
		{"report.golden.md", func(w *bytes.Buffer) error { return views.WriteMarkdown(w, a, b) }},
		{"junit.golden.xml", func(w *bytes.Buffer) error { return views.WriteJUnit(w, a, b) }},
	} {
		var buf bytes.Buffer
		if err := c.write(&buf); err != nil {
			t.Fatal(err)
		}
		reports.Golden(t, c.name, buf.Bytes())
	}
}

func TestMarkdownEscapesPipes(t *testing.T) {
	r := reportstest.Sample("a", time.Millisecond)
	r.Scenario.Name = "x|y"
	var buf bytes.Buffer
	if err := views.WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `x\|y`) {
		t.Fatal("pipe not escaped")
	}
}

func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	_ = reports.WriteJSON(&buf, reportstest.Sample("f", time.Millisecond))
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema":"rehearse.report/v1"}`))
	f.Add([]byte(`{"schema":"rehearse.report/v1","timeline":[{"sut_mem_bytes":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := reports.ReadJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Whatever was read renders without panicking.
		_ = views.WriteTable(&bytes.Buffer{}, r)
		_ = views.WriteMarkdown(&bytes.Buffer{}, r)
		_ = views.WriteHTML(&bytes.Buffer{}, r)
	})
}
