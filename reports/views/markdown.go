package views

import (
	"io"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// WriteMarkdown writes a PR-comment summary: a heading with the verdict and
// what was expected (Headline), the error rate in bold below it
// (HeadlineErrors), one line per report with its own verdict and error
// rate, the summary table, and each report's gates and notes.
func WriteMarkdown(w io.Writer, rs ...*reports.Report) error {
	p := &printer{w: w}
	p.printf("## rehearse: %s\n\n", mdEscape(reports.Headline(rs...)))
	if e := reports.HeadlineErrors(rs...); e != "" {
		p.printf("**%s**\n\n", mdEscape(e))
	}
	for _, r := range rs {
		p.printf("- **%s**: %s, %s", mdEscape(r.Scenario.Name), mdEscape(reports.VerdictText(r)), mdEscape(reports.ErrorRateText(r)))
		if r.Scenario.File != "" {
			p.printf(" (`%s`, seed %d)", mdEscape(r.Scenario.File), r.Scenario.Seed)
		}
		p.printf("\n")
	}
	p.printf("\n")
	if p.err != nil {
		return p.err
	}
	header, body := summaryTable(rs)
	escapeRows(header, body)
	if err := writeRows(w, markdownTable(), header, body); err != nil {
		return err
	}
	for _, r := range rs {
		writeMarkdownDetails(p, r)
	}
	return p.err
}

// writeMarkdownDetails writes a report's caller classes (when more than
// one), gates, notes, the first error of each class and the bad answer
// example, if it has any.
func writeMarkdownDetails(p *printer, r *reports.Report) {
	notes := reports.NotesOf(r)
	examples := reports.ErrorExampleLines(r)
	flow := append(arrivalLines(r), flowLines(r)...)
	if len(r.Gates) == 0 && len(r.Signature) == 0 && len(notes) == 0 && !showClasses(r) && r.BadAnswer == nil && len(examples) == 0 && len(flow) == 0 {
		return
	}
	p.printf("\n### %s: %s\n\n", mdEscape(r.Scenario.Name), mdEscape(reports.VerdictText(r)))
	if showClasses(r) && p.err == nil {
		h, rows := classTable(r)
		escapeRows(h, rows)
		p.err = writeRows(p.w, markdownTable(), h, rows)
		p.printf("\n")
	}
	for _, l := range flow {
		p.printf("- %s\n", mdEscape(l))
	}
	for _, g := range r.Gates {
		mark := "✅"
		if !g.Pass {
			mark = "❌"
		}
		p.printf("- %s `%s` (%s)\n", mark, g.Expr, mdEscape(reports.GateText(g)))
	}
	for _, g := range r.Signature {
		mark := "✅"
		if !g.Pass {
			mark = "❌"
		}
		p.printf("- %s signature `%s` (%s)\n", mark, g.Expr, mdEscape(reports.GateText(g)))
	}
	for _, note := range notes {
		p.printf("- note: %s\n", mdEscape(note))
	}
	for _, e := range examples {
		p.printf("- first error: %s\n", mdEscape(e))
	}
	if b := r.BadAnswer; b != nil {
		f := fence(b.Body)
		p.printf("- bad answer: %s; its first bytes:\n\n%s\n%s\n%s\n", mdEscape(badAnswerText(r)), f, b.Body, f)
	}
}

// escapeRows escapes the pipes of a table's cells for Markdown.
func escapeRows(header []string, body [][]string) {
	for i := range header {
		header[i] = mdEscape(header[i])
	}
	for _, line := range body {
		for i := range line {
			line[i] = mdEscape(line[i])
		}
	}
}
