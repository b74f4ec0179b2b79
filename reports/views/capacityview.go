package views

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

// capacityHeader is the probe table's columns, in every view.
var capacityHeader = []string{"probe", "level", "verdict", "gates failed", "goodput/s", "p99 ms", "timeouts", "429", "503", "crashes", "lost"}

// capacityRows is one row per probe, unmeasured values "not measured".
func capacityRows(c *reports.Capacity) [][]string {
	rows := make([][]string, 0, len(c.Probes))
	for _, p := range c.Probes {
		verdict := strings.ToUpper(string(p.Verdict))
		if !p.Valid {
			verdict = "INVALID: " + p.Invalid
		}
		gates := strings.Join(p.GatesFailed, "; ")
		if gates == "" {
			gates = "-"
		}
		rows = append(rows, []string{strconv.Itoa(p.N), reports.Commas(p.Level), verdict, gates, reports.OneDecimalOrUnmeasured(p.GoodputRPS), reports.OneDecimalOrUnmeasured(p.P99Ms),
			reports.Count(p.Timeouts), reports.Count(p.HTTP429), reports.Count(p.HTTP503), reports.CountOrUnmeasured(p.Crashes), reports.CountOrUnmeasured(p.Lost)})
	}
	return rows
}

// CapacityHeadline is the answer with its scenario: "capacity of
// storm-sync: 1,200 callers (every gate held), 1,260 failed (shedding)".
func CapacityHeadline(c *reports.Capacity) string {
	return "capacity of " + c.Scenario + ": " + c.Answer
}

// WriteCapacityMarkdown writes the PR comment: the answer, the bracket, the
// failure mode, unstable levels and notes, recovery, and a row per probe.
func WriteCapacityMarkdown(w io.Writer, c *reports.Capacity) error {
	p := &printer{w: w}
	p.printf("## rehearse %s\n\n", mdEscape(CapacityHeadline(c)))
	p.printf("- by %s, bracket %s, precision %s, stopped: %s\n", c.By, reports.BracketText(c.Bracket), reports.PercentText(c.Precision), c.Stopped)
	p.printf("- failure mode: **%s**", c.FailureMode)
	if c.FirstFailedGate != nil {
		p.printf(", first failed gate `%s`", mdEscape(*c.FirstFailedGate))
	}
	p.printf("\n")
	if r := c.Recovery; r != nil {
		p.printf("- recovery: %s\n", mdEscape(r.Text))
	}
	for _, note := range c.Notes {
		p.printf("- %s\n", mdEscape(note))
	}
	p.printf("\n")
	if p.err != nil {
		return p.err
	}
	rows := capacityRows(c)
	escapeRows(capacityHeader, rows)
	return writeRows(w, markdownTable(), capacityHeader, rows)
}

//go:embed assets/capacity.gohtml
var capacityHTML string

var capacityTmpl = template.Must(template.New("capacity").Parse(capacityHTML))

// capacityChart is what the page's two charts draw: per valid probe, its
// level (x), goodput and p99, split by verdict so passes and fails are
// marked apart, and the bracket to shade.
type capacityChart struct {
	Unit      string     `json:"unit"`
	Level     []float64  `json:"level"`
	Goodput   []*float64 `json:"goodput"`
	P99       []*float64 `json:"p99"`
	Pass      []bool     `json:"pass"`
	BracketLo *int       `json:"bracket_lo"`
	BracketHi *int       `json:"bracket_hi"`
}

// WriteCapacityHTML writes one offline page: goodput-vs-offered and
// p99-vs-offered with pass and fail markers and the bracket shaded, then
// a row per probe linking to its report.
func WriteCapacityHTML(w io.Writer, c *reports.Capacity) error {
	d := capacityChart{Unit: c.Unit, Level: []float64{}, Goodput: []*float64{}, P99: []*float64{}, Pass: []bool{},
		BracketLo: c.Bracket.Pass, BracketHi: c.Bracket.Fail}
	for _, p := range sortedValid(c.Probes) {
		d.Level = append(d.Level, float64(p.Level))
		d.Goodput = append(d.Goodput, p.GoodputRPS)
		d.P99 = append(d.P99, p.P99Ms)
		d.Pass = append(d.Pass, p.Verdict == reports.VerdictPass)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("render capacity html: chart data: %w", err)
	}
	type row struct {
		Cells []string
		Link  string
	}
	var rows []row
	for i, r := range capacityRows(c) {
		rows = append(rows, row{r, c.Probes[i].RunDir + "/report.html"})
	}
	return capacityTmpl.Execute(w, struct {
		C                 *reports.Capacity
		Headline, Bracket string
		Precision         string
		Header            []string
		Rows              []row
		CSS               template.CSS
		JS                template.JS
		Data              template.JS
	}{c, CapacityHeadline(c), reports.BracketText(c.Bracket), reports.PercentText(c.Precision), capacityHeader, rows, template.CSS(uplotCSS), template.JS(uplotJS), template.JS(b)})
}

// sortedValid is the valid probes by level (uPlot wants x ascending),
// the order of running kept within a level.
func sortedValid(ps []reports.CapacityProbe) []reports.CapacityProbe {
	var out []reports.CapacityProbe
	for _, p := range ps {
		if p.Valid {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b reports.CapacityProbe) int { return a.Level - b.Level })
	return out
}

// WriteCapacityComparisonMarkdown writes the PR comment of a comparison:
// the verdict, then each side's answer and bracket.
func WriteCapacityComparisonMarkdown(w io.Writer, c *reports.CapacityComparison) error {
	p := &printer{w: w}
	p.printf("## rehearse capacity: candidate %s (precision %s)\n\n", c.Verdict, reports.PercentText(c.Precision))
	for _, side := range []struct {
		name string
		c    *reports.Capacity
	}{{"baseline", c.Baseline}, {"candidate", c.Candidate}} {
		p.printf("- **%s** %s: %s; bracket %s\n", side.name, mdEscape(side.c.Scenario), mdEscape(side.c.Answer), reports.BracketText(side.c.Bracket))
	}
	return p.err
}

// CapacityComparisonText is the verdict line for a terminal.
func CapacityComparisonText(c *reports.CapacityComparison) string {
	return fmt.Sprintf("candidate capacity %s: baseline %s %s, candidate %s %s",
		c.Verdict, c.Baseline.Answer, reports.BracketText(c.Baseline.Bracket), c.Candidate.Answer, reports.BracketText(c.Candidate.Bracket))
}
