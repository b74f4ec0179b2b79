package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// VerdictText is "PASS" or "FAIL", with "(expected)" when a scenario that
// demonstrates a failure failed as expected, or "(unexpected)" when it
// passed.
func VerdictText(r *Report) string {
	v := strings.ToUpper(string(r.Verdict))
	if r.Expect == "fail" {
		if r.Verdict == "fail" {
			return v + " (expected)"
		}
		return v + " (expected FAIL)"
	}
	if r.Interrupted {
		v += " (interrupted)"
	}
	return v
}

// MetExpectation reports whether r reached the verdict its scenario expected.
func MetExpectation(r *Report) bool {
	want := r.Expect
	if want == "" {
		want = "pass"
	}
	return r.Verdict == want
}

// row is one line of the summary: a label and a value per report.
type row struct {
	section, label string
	value          func(*Report) string
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func n(v int64) string    { return strconv.FormatInt(v, 10) }

// NotMeasured is how every view shows a value that was not measured (null
// in report.json).
const NotMeasured = "not measured"

func np(v *int64) string {
	if v == nil {
		return NotMeasured
	}
	return n(*v)
}

func f1p(v *float64) string {
	if v == nil {
		return NotMeasured
	}
	return f1(*v)
}

// gateValue is a gate's value as text, or why it has none.
func gateValue(g GateResult) string {
	if g.Value == nil {
		if g.Reason != "" {
			return g.Reason
		}
		return NotMeasured
	}
	return strconv.FormatFloat(*g.Value, 'g', 6, 64)
}

func otherErrors(r *Report) int64 {
	var e int64
	for c, k := range r.Requests.Errors {
		if c != ClassTimeout {
			e += k
		}
	}
	return e
}

func classList(r *Report) string {
	var cs []string
	for c, k := range r.Requests.Errors {
		if c != ClassTimeout && k > 0 {
			cs = append(cs, fmt.Sprintf("%s %d", c, k))
		}
	}
	sort.Strings(cs)
	if len(cs) == 0 {
		return "-"
	}
	return strings.Join(cs, ", ")
}

func asyncv(f func(*Async) string) func(*Report) string {
	return func(r *Report) string {
		if r.Async == nil {
			return "-"
		}
		return f(r.Async)
	}
}

// summaryRows are the rows of the terminal table, Markdown and HTML summary:
// the verdict first, then requests, latency, callers, crashes, async, gates.
var summaryRows = []row{
	{"", "verdict", VerdictText},
	{"", "sut", func(r *Report) string {
		s := r.SUT.Kind
		if r.SUT.Mode != "" {
			s += " " + r.SUT.Mode
		}
		if r.SUT.Replicas > 1 {
			s += fmt.Sprintf(" x%d", r.SUT.Replicas)
		}
		return s
	}},
	{"requests", "total", func(r *Report) string { return n(r.Requests.Total) }},
	{"requests", "ok", func(r *Report) string { return n(r.Requests.OK) }},
	{"requests", "timeouts", func(r *Report) string { return n(r.Requests.Timeouts) }},
	{"requests", "errors", func(r *Report) string { return n(otherErrors(r)) }},
	{"requests", "error classes", classList},
	{"requests", "ok/s", func(r *Report) string { return f1(r.Throughput) }},
	{"latency", "p50 ms", func(r *Report) string { return f1(r.LatencyMs.P50) }},
	{"latency", "p99 ms", func(r *Report) string { return f1(r.LatencyMs.P99) }},
	{"latency", "max ms", func(r *Report) string { return f1(r.LatencyMs.Max) }},
	{"callers", "total", func(r *Report) string { return n(r.Callers.Total) }},
	{"callers", "succeeded", func(r *Report) string { return n(r.Callers.Succeeded) }},
	{"callers", "gave up", func(r *Report) string { return n(r.Callers.GaveUp) }},
	{"callers", "retries", func(r *Report) string { return n(r.Callers.Retries) }},
	{"callers", "completion p99 s", func(r *Report) string {
		if r.Completion == nil {
			return "-"
		}
		if r.Completion.P99 == nil {
			return fmt.Sprintf("not reached (%.0f%% completed)", 100*r.Completion.CompletedFraction)
		}
		return strconv.FormatFloat(*r.Completion.P99/1000, 'f', 2, 64)
	}},
	{"crashes", "crashes", func(r *Report) string { return np(r.Crashes.Count) }},
	{"crashes", "oom kills", func(r *Report) string { return np(r.Crashes.OOMKills) }},
	{"crashes", "restarts", func(r *Report) string { return np(r.Crashes.Restarts) }},
	{"crashes", "downtime s", func(r *Report) string { return f1p(r.Crashes.DowntimeS) }},
	{"async", "accepted", asyncv(func(a *Async) string { return n(a.Accepted) })},
	{"async", "completed", asyncv(func(a *Async) string { return n(a.Completed) })},
	{"async", "lost", asyncv(func(a *Async) string { return n(a.Lost) })},
	{"async", "duplicates", asyncv(func(a *Async) string { return n(a.Duplicates) })},
	{"async", "drain s", asyncv(func(a *Async) string { return f1(a.DrainS) })},
	{"gates", "passed", func(r *Report) string {
		p := 0
		for _, g := range r.Gates {
			if g.Pass {
				p++
			}
		}
		return fmt.Sprintf("%d/%d", p, len(r.Gates))
	}},
	{"generator", "lag p99 ms", func(r *Report) string {
		s := f1(r.Generator.LagP99Ms)
		if r.Generator.Saturated {
			s += " SATURATED"
		}
		return s
	}},
}

func summaryTable(rs []*Report) (header []string, body [][]string) {
	header = []string{"", ""}
	for _, r := range rs {
		header = append(header, r.Scenario.Name)
	}
	for _, rw := range summaryRows {
		line := []string{rw.section, rw.label}
		for _, r := range rs {
			line = append(line, rw.value(r))
		}
		body = append(body, line)
	}
	return header, body
}

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
// gates.
func WriteTable(w io.Writer, rs ...*Report) error {
	header, body := summaryTable(rs)
	if err := writeRows(w, asciiTable(), header, body); err != nil {
		return err
	}
	for _, r := range rs {
		if len(r.Gates) == 0 {
			continue
		}
		fmt.Fprintf(w, "gates of %s:\n", r.Scenario.Name)
		for _, g := range r.Gates {
			mark := "ok  "
			if !g.Pass {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "  %s %-28s (value %s)\n", mark, g.Expr, gateValue(g))
		}
	}
	return nil
}

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

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Time  string      `xml:"time,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes JUnit XML: one testsuite per scenario, one testcase per
// gate, failed when the gate failed. A scenario that expects to fail (seed
// demonstrations) has its gates inverted: it passes when a gate fails.
func WriteJUnit(w io.Writer, rs ...*Report) error {
	var all junitSuites
	for _, r := range rs {
		s := junitSuite{Name: "rehearse." + r.Scenario.Name, Time: strconv.FormatFloat(r.DurationS, 'f', 3, 64)}
		for _, g := range r.Gates {
			c := junitCase{Name: g.Expr, Classname: "rehearse." + r.Scenario.Name}
			failed := !g.Pass
			if r.Expect == "fail" {
				c.Name += " (expected to fail)"
				failed = !MetExpectation(r) && g.Pass
			}
			if failed {
				c.Failure = &junitFailure{Message: fmt.Sprintf("%s: value %s", g.Expr, gateValue(g)),
					Text: fmt.Sprintf("gate %q failed with value %s in scenario %s", g.Expr, gateValue(g), r.Scenario.Name)}
				s.Fails++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		all.Tests += s.Tests
		all.Fails += s.Fails
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
