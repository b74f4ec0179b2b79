package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// fmtP is a p-value in three significant digits.
func fmtP(p float64) string { return strconv.FormatFloat(p, 'g', 3, 64) }

// fmtVal is a value of metric name as people read it: rates as
// percentages, others with the digits that matter.
func fmtVal(name string, v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "not reached"
	case strings.HasSuffix(name, "_rate"):
		return pct(v)
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

func comparisonRows(c *Comparison) [][]string {
	rows := make([][]string, 0, len(c.Metrics))
	for _, m := range c.Metrics {
		rows = append(rows, []string{m.Name, sideText(m.Name, m.Baseline, m.BaselineNote), sideText(m.Name, m.Candidate, m.CandidateNote),
			shiftText(m), relText(m), pText(m), strings.TrimSuffix(strings.TrimSuffix(m.TolText, " (default)"), " (scenario)"), m.Verdict})
	}
	return rows
}

// sideText is a side's median and range over its runs, or why it has none.
func sideText(name string, s *SideStats, note string) string {
	switch {
	case s == nil && note != "":
		return note
	case s == nil:
		return NotMeasured
	}
	if s.NotReached == len(s.Runs) {
		return fmt.Sprintf("not reached in %d of %d runs", s.NotReached, len(s.Runs))
	}
	med := fmtVal(name, s.median)
	if len(s.Runs) > 1 && s.min != s.max {
		med += " (" + fmtVal(name, s.min) + "–" + fmtVal(name, s.max) + ")"
	}
	if s.NotReached > 0 {
		med += fmt.Sprintf(", %d of %d not reached", s.NotReached, len(s.Runs))
	}
	return med
}

func shiftText(m MetricResult) string {
	if m.Test == "" {
		return NotApplicable
	}
	if math.IsInf(m.est, 0) {
		return "reached on one side only"
	}
	t := signed(m.Name, m.est)
	if (m.Test == TestRuns || m.Test == TestRunsWelch) && m.PValue == nil {
		return "0 (every run equal)"
	}
	if m.hasCI {
		t += " [" + signed(m.Name, m.lo) + ", " + signed(m.Name, m.hi) + "]"
	}
	return t
}

func relText(m MetricResult) string {
	if m.RelShift == nil {
		return NotApplicable
	}
	return fmt.Sprintf("%+.1f%%", *m.RelShift*100)
}

func pText(m MetricResult) string {
	switch {
	case m.PHolm != nil:
		return fmtP(*m.PValue) + " (" + fmtP(*m.PHolm) + ")"
	case m.PValue != nil:
		return fmtP(*m.PValue) + " (attempts)"
	case m.Test == TestExact:
		return "exact"
	}
	return NotApplicable
}

// headline is the comparison's first line: the verdict, and the metrics
// that made it.
func (c *Comparison) headline() string {
	var moved []string
	for _, m := range c.Metrics {
		if m.Verdict == c.Verdict && (c.Verdict == VerdictWorse || c.Verdict == VerdictBetter) {
			moved = append(moved, m.Name)
		}
	}
	h := strings.ToUpper(c.Verdict)
	if len(moved) > 0 {
		h += " on " + strings.Join(moved, ", ")
	}
	return h
}

func (c *Comparison) sidesText() string {
	return fmt.Sprintf("baseline %s (%d run(s), seed %d) vs candidate %s (%d run(s), seed %d)",
		c.Baseline.Name, c.Baseline.Runs, c.Baseline.Seed, c.Candidate.Name, c.Candidate.Runs, c.Candidate.Seed)
}

// WriteComparisonTable writes the comparison as a terminal table.
func WriteComparisonTable(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "%s: %s\n", c.sidesText(), c.headline())
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
func WriteComparisonMarkdown(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "## rehearse compare: %s\n\n%s\n\n", mdEscape(c.headline()), mdEscape(c.sidesText()))
	if err := writeRows(w, markdownTable(), comparisonHeader, comparisonRows(c)); err != nil {
		return err
	}
	for _, n := range c.Notes {
		fmt.Fprintf(w, "\n> %s\n", mdEscape(n))
	}
	_, err := fmt.Fprintf(w, "\n<sub>%s</sub>\n", mdEscape(c.Method))
	return err
}

// WriteComparisonJSON writes the comparison as JSON (schema/compare.v2.json).
func WriteComparisonJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// methodText says how the verdict was reached, with this comparison's levels.
func methodText(c *Comparison, opts CompareOptions) string {
	if c.Mode == "single_run" {
		return fmt.Sprintf("one run a side: latency percentiles (of successful attempts) by a Mann-Whitney U test over the runs' successful attempts (level %g) and the tolerance; "+
			"other metrics by their values against the tolerance; integrity counts (lost, duplicates, crashes) exactly when a side had none", opts.AttemptAlpha)
	}
	tested := 0
	for _, m := range c.Metrics {
		if m.PHolm != nil {
			tested++
		}
	}
	test := "Mann-Whitney U across runs (exact), Hodges-Lehmann shift with its 95% interval"
	if c.Baseline.Runs < minRankRuns || c.Candidate.Runs < minRankRuns {
		test = fmt.Sprintf("fewer than %d runs a side: Welch's t across runs with its 95%% interval (on a log scale for latency, throughput and drain)", minRankRuns)
	}
	return fmt.Sprintf("each run is one observation (latencies of its successful attempts): %s, Holm across the %d metrics that varied (family level %g); "+
		"worse or better only when significant and the whole interval clears the tolerance, "+
		"same when it lies within; integrity counts (lost, duplicates, crashes) exactly, as the mean per run, when a side had none in every run, "+
		"else tested like the others", test, tested, opts.Alpha)
}

// machineNotes say when the runs were made on different machines.
func machineNotes(c *Comparison) []string {
	b, k := c.Baseline.Hosts, c.Candidate.Hosts
	switch {
	case len(b) == 0 || len(k) == 0:
		return nil
	case len(b) > 1 || len(k) > 1:
		return []string{fmt.Sprintf("runs were made on several machines (baseline: %s; candidate: %s): part of a difference may be the machines'",
			strings.Join(b, ", "), strings.Join(k, ", "))}
	case b[0] != k[0]:
		return []string{fmt.Sprintf("baseline ran on %s, candidate on %s: part of a difference may be the machines'", b[0], k[0])}
	}
	return nil
}
