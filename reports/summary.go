package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

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
