package views

import (
	"io"

	"github.com/rehearse-dev/rehearse/reports"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table renderers: plain ASCII for terminals and CI logs, or Markdown.
var (
	asciiTable    = func() tw.Renderer { return renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)}) }
	markdownTable = func() tw.Renderer { return renderer.NewMarkdown() }
)

// writeRows renders a header and rows with tablewriter (headers kept as
// written, no wrapping).
func writeRows(w io.Writer, r tw.Renderer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone), tablewriter.WithRenderer(r))
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}

// WriteTable writes the summary of one or more reports as a terminal table
// (ASCII, safe for CI logs), a column per scenario, then each scenario's
// caller classes side by side (when it has more than one), gates, notes,
// the first error of each class and the example of a bad answer (when
// there was one).
func WriteTable(w io.Writer, rs ...*reports.Report) error {
	header, body := summaryTable(rs)
	if err := writeRows(w, asciiTable(), header, body); err != nil {
		return err
	}
	p := &printer{w: w}
	for _, r := range rs {
		if showClasses(r) {
			p.printf("caller classes of %s:\n", r.Scenario.Name)
			if p.err == nil {
				h, rows := classTable(r)
				p.err = writeRows(w, asciiTable(), h, rows)
			}
		}
		if lines := arrivalLines(r); len(lines) > 0 {
			p.printf("arrival steps of %s:\n", r.Scenario.Name)
			for _, l := range lines {
				p.printf("  - %s\n", l)
			}
		}
		if lines := flowLines(r); len(lines) > 0 {
			p.printf("flow of %s:\n", r.Scenario.Name)
			for _, l := range lines {
				p.printf("  - %s\n", l)
			}
		}
		writeChecks(p, "gates of "+r.Scenario.Name, r.Gates, "FAIL")
		writeChecks(p, "signature of "+r.Scenario.Name, r.Signature, "MISS")
		notes := reports.NotesOf(r)
		if len(notes) > 0 {
			p.printf("notes of %s:\n", r.Scenario.Name)
		}
		for _, s := range notes {
			p.printf("  - %s\n", s)
		}
		writeErrorExamples(p, r)
		if b := r.BadAnswer; b != nil {
			p.printf("bad answer of %s: %s\n  first bytes: %s\n", r.Scenario.Name, badAnswerText(r), badAnswerHead(b))
		}
	}
	return p.err
}

// writeChecks lists evaluated gates (or signature conditions) under a
// title, each marked ok or with miss.
func writeChecks(p *printer, title string, gs []reports.GateResult, miss string) {
	if len(gs) > 0 {
		p.printf("%s:\n", title)
	}
	for _, g := range gs {
		mark := "ok  "
		if !g.Pass {
			mark = miss
		}
		p.printf("  %s %-28s (%s)\n", mark, g.Expr, reports.GateText(g))
	}
}

// writeErrorExamples lists the first error of each class of r, a line
// each (errorExampleLines), under the notes.
func writeErrorExamples(p *printer, r *reports.Report) {
	lines := reports.ErrorExampleLines(r)
	if len(lines) > 0 {
		p.printf("first error of each class of %s:\n", r.Scenario.Name)
	}
	for _, l := range lines {
		p.printf("  - %s\n", l)
	}
}
