package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

var comparisonHeader = []string{"metric", "baseline", "candidate", "delta", "rel", "p", "verdict"}

func comparisonRows(c *Comparison) [][]string {
	var rows [][]string
	for _, m := range c.Metrics {
		rel, pv, delta := NotApplicable, NotApplicable, NotApplicable
		if m.RelDelta != nil {
			rel = fmt.Sprintf("%+.1f%%", *m.RelDelta*100)
		}
		if m.PValue != nil {
			pv = strconv.FormatFloat(*m.PValue, 'g', 3, 64)
		}
		if m.Delta != nil {
			delta = fmtNum(*m.Delta)
		}
		rows = append(rows, []string{m.Name, side(m.Base, m.BaseNote), side(m.Cand, m.CandNote), delta, rel, pv, m.Verdict})
	}
	return rows
}

// side is one side's value, or why it has none.
func side(v *float64, note string) string {
	switch {
	case v != nil:
		return fmtNum(*v)
	case note != "":
		return note
	}
	return NotMeasured
}

func (c *Comparison) verdict() string {
	if c.Regression {
		return "REGRESSION"
	}
	return "NO SIGNIFICANT REGRESSION"
}

// WriteComparisonTable writes the comparison as a terminal table.
func WriteComparisonTable(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "baseline %s (seed %d) vs candidate %s (seed %d): %s\n", c.Baseline.Name, c.Baseline.Seed, c.Candidate.Name, c.Candidate.Seed, c.verdict())
	if err := writeRows(w, asciiTable(), comparisonHeader, comparisonRows(c)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "method: %s\n", c.Method)
	return err
}

// WriteComparisonMarkdown writes the comparison as Markdown.
func WriteComparisonMarkdown(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "## rehearse compare: %s\n\nbaseline **%s** vs candidate **%s**\n\n", c.verdict(), mdEscape(c.Baseline.Name), mdEscape(c.Candidate.Name))
	if err := writeRows(w, markdownTable(), comparisonHeader, comparisonRows(c)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n_%s_\n", c.Method)
	return err
}

// WriteComparisonJSON writes the comparison as JSON.
func WriteComparisonJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
