package reports

import (
	"fmt"
	"io"
	"strings"
)

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// WriteMarkdown writes a PR-comment summary: the verdict, the summary table
// and the gates of each report.
func WriteMarkdown(w io.Writer, rs ...*Report) error {
	verdict := "PASS"
	for _, r := range rs {
		if !MetExpectation(r) {
			verdict = "FAIL"
		}
	}
	fmt.Fprintf(w, "## rehearse: %s\n\n", verdict)
	for _, r := range rs {
		fmt.Fprintf(w, "- **%s**: %s", mdEscape(r.Scenario.Name), VerdictText(r))
		if r.Scenario.File != "" {
			fmt.Fprintf(w, " (`%s`, seed %d)", mdEscape(r.Scenario.File), r.Scenario.Seed)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	header, body := summaryTable(rs)
	for i := range header {
		header[i] = mdEscape(header[i])
	}
	for _, line := range body {
		for i := range line {
			line[i] = mdEscape(line[i])
		}
	}
	if err := writeRows(w, markdownTable(), header, body); err != nil {
		return err
	}
	for _, r := range rs {
		if len(r.Gates) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n### Gates of %s\n\n", mdEscape(r.Scenario.Name))
		for _, g := range r.Gates {
			mark := "✅"
			if !g.Pass {
				mark = "❌"
			}
			fmt.Fprintf(w, "- %s `%s` (value %s)\n", mark, g.Expr, gateValue(g))
		}
		for _, note := range r.Notes {
			fmt.Fprintf(w, "- note: %s\n", mdEscape(note))
		}
	}
	return nil
}
