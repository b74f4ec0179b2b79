package views

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

// fmtVal is a value of metric name as people read it: rates as
// percentages, others with the digits that matter.
func fmtVal(name string, v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "not reached"
	case strings.HasSuffix(name, "_rate"):
		return reports.Percent(v)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// signed is fmtVal with a sign.
func signed(name string, v float64) string {
	if v >= 0 {
		return "+" + fmtVal(name, v)
	}
	return "-" + fmtVal(name, -v)
}

var comparisonHeader = []string{"metric", "baseline", "candidate", "shift [95% CI]", "rel", "p (Holm)", "tolerance", "verdict"}

func comparisonRows(c *reports.Comparison) [][]string {
	rows := make([][]string, 0, len(c.Metrics))
	for _, m := range c.Metrics {
		rows = append(rows, []string{m.Name, sideText(m.Name, m.Baseline, m.BaselineNote), sideText(m.Name, m.Candidate, m.CandidateNote),
			shiftText(m), relText(m), pText(m), strings.TrimSuffix(strings.TrimSuffix(m.TolText, " (default)"), " (scenario)"), m.Verdict})
	}
	return rows
}

// sideText is a side's median and range over its runs, or why it has none.
func sideText(name string, s *reports.SideStats, note string) string {
	switch {
	case s == nil && note != "":
		return note
	case s == nil:
		return reports.NotMeasured
	}
	if s.NotReached == len(s.Runs) {
		return fmt.Sprintf("not reached in %d of %d runs", s.NotReached, len(s.Runs))
	}
	median, least, most := s.Spread()
	med := fmtVal(name, median)
	if len(s.Runs) > 1 && least != most {
		med += " (" + fmtVal(name, least) + "–" + fmtVal(name, most) + ")"
	}
	if s.NotReached > 0 {
		med += fmt.Sprintf(", %d of %d not reached", s.NotReached, len(s.Runs))
	}
	return med
}

func shiftText(m reports.MetricResult) string {
	if m.Test == "" {
		return reports.NotApplicable
	}
	est, lo, hi, interval := m.Interval()
	if math.IsInf(est, 0) {
		return "reached on one side only"
	}
	t := signed(m.Name, est)
	if (m.Test == reports.TestRuns || m.Test == reports.TestRunsWelch) && m.PValue == nil {
		return "0 (every run equal)"
	}
	if interval {
		t += " [" + signed(m.Name, lo) + ", " + signed(m.Name, hi) + "]"
	}
	return t
}

func relText(m reports.MetricResult) string {
	if m.RelShift == nil {
		return reports.NotApplicable
	}
	return fmt.Sprintf("%+.1f%%", *m.RelShift*100)
}

func pText(m reports.MetricResult) string {
	switch {
	case m.PHolm != nil:
		return reports.FormatP(*m.PValue) + " (" + reports.FormatP(*m.PHolm) + ")"
	case m.PValue != nil:
		return reports.FormatP(*m.PValue) + " (attempts)"
	case m.Test == reports.TestExact:
		return "exact"
	}
	return reports.NotApplicable
}

// WriteComparisonTable writes the comparison as a terminal table.
func WriteComparisonTable(w io.Writer, c *reports.Comparison) error {
	fmt.Fprintf(w, "%s: %s\n", c.SidesText(), c.Headline())
	if err := writeRows(w, asciiTable(), comparisonHeader, comparisonRows(c)); err != nil {
		return err
	}
	for _, n := range c.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	_, err := fmt.Fprintf(w, "method: %s\n", c.Method)
	return err
}

// WriteComparisonMarkdown writes the comparison as Markdown, to be posted
// as a pull request comment.
func WriteComparisonMarkdown(w io.Writer, c *reports.Comparison) error {
	fmt.Fprintf(w, "## rehearse compare: %s\n\n%s\n\n", mdEscape(c.Headline()), mdEscape(c.SidesText()))
	if err := writeRows(w, markdownTable(), comparisonHeader, comparisonRows(c)); err != nil {
		return err
	}
	for _, n := range c.Notes {
		fmt.Fprintf(w, "\n> %s\n", mdEscape(n))
	}
	_, err := fmt.Fprintf(w, "\n<sub>%s</sub>\n", mdEscape(c.Method))
	return err
}
