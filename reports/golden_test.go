package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestGoldenRenderers(t *testing.T) {
	a, b := sample("storm-sync", 20*time.Millisecond), sample("storm-async", 40*time.Millisecond)
	b.Verdict, b.Expect = "pass", "fail"
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"table.golden.txt", func(w *bytes.Buffer) error { return WriteTable(w, a, b) }},
		{"report.golden.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, a, b) }},
		{"junit.golden.xml", func(w *bytes.Buffer) error { return WriteJUnit(w, a, b) }},
	} {
		var buf bytes.Buffer
		if err := c.write(&buf); err != nil {
			t.Fatal(err)
		}
		golden(t, c.name, buf.Bytes())
	}
}

func TestMarkdownEscapesPipes(t *testing.T) {
	r := sample("a", time.Millisecond)
	r.Scenario.Name = "x|y"
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `x\|y`) {
		t.Fatal("pipe not escaped")
	}
}

func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteJSON(&buf, sample("f", time.Millisecond))
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema":"rehearse.report/v1"}`))
	f.Add([]byte(`{"schema":"rehearse.report/v1","timeline":[{"sut_mem_bytes":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ReadJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Whatever was read renders without panicking.
		_ = WriteTable(&bytes.Buffer{}, r)
		_ = WriteMarkdown(&bytes.Buffer{}, r)
		_ = WriteHTML(&bytes.Buffer{}, r)
	})
}
