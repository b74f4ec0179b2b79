package views

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

// row is one line of the summary: a label and a value per report.
type row struct {
	section, label string
	value          func(*reports.Report) string
}

// summaryRows are the rows of the terminal table, Markdown and HTML summary:
// the verdict and the error rate first, then the SUT, requests, latency, callers, completion,
// crashes, async, gates and the generator. A value that was not measured
// reads NotMeasured, one that does not apply NotApplicable: never 0.
var summaryRows = []row{
	{"", "verdict", reports.VerdictText},
	{"", "error rate", errorRateCell},
	{"", "sut", sutText},
	{"sut", "limits", limitsText},
	{"sut", "peak memory", peakMemory},
	{"requests", "total", func(r *reports.Report) string { return reports.Count(r.Requests.Total) }},
	{"requests", "ok", func(r *reports.Report) string { return reports.Count(r.Requests.OK) }},
	{"requests", "timeouts", func(r *reports.Report) string { return reports.Count(r.Requests.Timeouts) }},
	{"requests", "aborted by stop", func(r *reports.Report) string { return reports.Count(r.Requests.Aborted) }},
	{"requests", "errors", func(r *reports.Report) string { return reports.Count(otherErrors(r)) }},
	{"requests", "error classes", func(r *reports.Report) string { return classList(r.Requests.Errors, reports.ClassTimeout) }},
	{"requests", "ok/s", func(r *reports.Report) string { return reports.OneDecimal(r.Throughput) }},
	{latencyOK, "p50 ms", latency(true, func(l reports.Latency) *float64 { return l.P50 })},
	{latencyOK, "p99 ms", latency(true, func(l reports.Latency) *float64 { return l.P99 })},
	{latencyOK, "max ms", latency(true, func(l reports.Latency) *float64 { return l.Max })},
	{latencyAll, "p50 ms", latency(false, func(l reports.Latency) *float64 { return l.P50 })},
	{latencyAll, "p99 ms", latency(false, func(l reports.Latency) *float64 { return l.P99 })},
	{latencyAll, "max ms", latency(false, func(l reports.Latency) *float64 { return l.Max })},
	{"callers", "total", func(r *reports.Report) string {
		if r.Callers.OutcomesUnknown {
			return reports.Count(r.Callers.Total) + " seen"
		}
		return reports.Count(r.Callers.Total)
	}},
	{"callers", "succeeded", outcome(func(c reports.Callers) int64 { return c.Succeeded })},
	{"callers", "gave up", outcome(func(c reports.Callers) int64 { return c.GaveUp })},
	{"callers", "retries", func(r *reports.Report) string { return reports.Count(r.Callers.Retries) }},
	{"load", "offered → attempts → goodput", loadText},
	{"completion", "completed", completion(func(c *reports.Completion) string { return reports.Percent(c.CompletedFraction) })},
	{"completion", "p50 s", completion(func(c *reports.Completion) string { return seconds(c, c.P50) })},
	{"completion", "p99 s", completion(func(c *reports.Completion) string { return seconds(c, c.P99) })},
	{"crashes", "crashes", func(r *reports.Report) string { return reports.CountOrUnmeasured(r.Crashes.Count) }},
	{"crashes", "oom kills", func(r *reports.Report) string { return reports.CountOrUnmeasured(r.Crashes.OOMKills) }},
	{"crashes", "restarts", func(r *reports.Report) string { return reports.CountOrUnmeasured(r.Crashes.Restarts) }},
	{"crashes", "downtime s", func(r *reports.Report) string { return reports.OneDecimalOrUnmeasured(r.Crashes.DowntimeS) }},
	{"async", "accepted", asyncv(func(a *reports.Async) string { return reports.Count(a.Accepted) })},
	{"async", "completed", asyncv(func(a *reports.Async) string {
		if a.NotMeasured != "" {
			return reports.NotMeasured
		}
		return reports.Count(a.Completed)
	})},
	{"async", "pending", asyncv(func(a *reports.Async) string { return reports.Count(a.Pending) })},
	{"async", "lost", asyncv((*reports.Async).LostText)},
	{"async", "duplicates", asyncv(func(a *reports.Async) string { return reports.Count(a.Duplicates) })},
	{"async", "drain s", asyncv(drainText)},
	{"gates", "passed", gatesPassed},
	{"generator", "errors", func(r *reports.Report) string { return classList(r.Generator.Errors, "") }},
	{"generator", "cpu share", func(r *reports.Report) string {
		if r.Generator.CPUShare == nil {
			return reports.NotMeasured
		}
		return reports.Percent(*r.Generator.CPUShare)
	}},
	{"generator", "in flight peak / file limit", func(r *reports.Report) string {
		return reports.CountOrUnmeasured(r.Generator.InflightPeak) + " / " + reports.CountOrUnmeasured(r.Generator.FileLimit)
	}},
	{"generator", "ports in use / range", func(r *reports.Report) string {
		return reports.CountOrUnmeasured(r.Generator.PortsInUse) + " / " + reports.CountOrUnmeasured(r.Generator.PortRange)
	}},
	{"generator", "lag p99 ms", func(r *reports.Report) string {
		s := reports.OneDecimal(r.Generator.LagP99Ms)
		if r.Generator.Saturated {
			s += " SATURATED"
		}
		return s
	}},
}

// sutText names the service under test: "reference async
// (rehearse/uploadsvc:abc) x3", "image team/api:v2", "url http://host:80".
func sutText(r *reports.Report) string {
	s := r.SUT
	out := s.Kind
	switch {
	case s.Kind == "image" && s.Image != "":
		out += " " + s.Image
	case s.Kind == "url" && s.Target != "":
		out += " " + s.Target
	}
	if s.Mode != "" {
		out += " " + s.Mode
	}
	if s.Kind != "image" && s.Image != "" {
		out += " (" + s.Image + ")"
	}
	if s.Replicas > 1 {
		out += fmt.Sprintf(" x%d", s.Replicas)
	}
	if out == "" {
		return "unknown"
	}
	return out
}

// limitsText is the resource limits of each SUT container: "1 CPU, 256 MiB,
// 512 pids", "none", or NotApplicable for a service rehearse did not start.
func limitsText(r *reports.Report) string {
	switch r.SUT.Kind {
	case "url":
		return reports.NotApplicable
	case "":
		return reports.NotMeasured
	}
	l := r.SUT.Resources
	if l == nil {
		return "none"
	}
	var parts []string
	if l.CPUs > 0 {
		unit := " CPUs"
		if l.CPUs == 1 {
			unit = " CPU"
		}
		parts = append(parts, strconv.FormatFloat(l.CPUs, 'g', 4, 64)+unit)
	}
	if l.MemoryBytes > 0 {
		parts = append(parts, reports.FormatBytes(l.MemoryBytes))
	}
	if l.Pids > 0 {
		parts = append(parts, reports.Count(l.Pids)+" pids")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// peakMemory is the highest sampled memory of the SUT (all containers),
// with the limit when one was set.
func peakMemory(r *reports.Report) string {
	var peak *int64
	for _, b := range r.Timeline {
		if b.SUTMemBytes != nil && (peak == nil || *b.SUTMemBytes > *peak) {
			peak = b.SUTMemBytes
		}
	}
	if peak == nil {
		return reports.NotMeasured
	}
	s := reports.FormatBytes(*peak)
	if l := r.SUT.Resources; l != nil && l.MemoryBytes > 0 {
		if r.SUT.Replicas > 1 {
			s += fmt.Sprintf(" (%d containers, limit %s each)", r.SUT.Replicas, reports.FormatBytes(l.MemoryBytes))
		} else {
			s += " (limit " + reports.FormatBytes(l.MemoryBytes) + ")"
		}
	}
	return s
}

// errorRateCell is the share of requests that were not ok, with the
// counts: "12.5% (15 of 120)", or "no requests".
func errorRateCell(r *reports.Report) string {
	if r.Requests.Total == 0 {
		return "no requests"
	}
	return fmt.Sprintf("%s (%d of %d)", reports.Percent(reports.ErrorRate(r)), r.Requests.Total-r.Requests.OK, r.Requests.Total)
}

func otherErrors(r *reports.Report) int64 {
	var e int64
	for c, k := range r.Requests.Errors {
		if c != reports.ClassTimeout {
			e += k
		}
	}
	return e
}

// classList is "http_5xx 15, eof 2" or "none": the classes of m with a
// count, except skip.
func classList(m map[reports.Class]int64, skip reports.Class) string {
	var cs []string
	for _, c := range reports.SortedClasses(m) {
		if c != skip || skip == "" {
			cs = append(cs, fmt.Sprintf("%s %d", c, m[c]))
		}
	}
	if len(cs) == 0 {
		return "none"
	}
	return strings.Join(cs, ", ")
}

// How every view labels the two latencies of a report: LatencyMs, of the
// successful attempts, and LatencyAllMs, of all that reached the service.
const (
	latencyOK  = "latency (successful)"
	latencyAll = "latency (all answered)"
)

// latency shows a figure of the latency of the successful attempts (ok) or
// of all that reached the service: NotApplicable when no attempt reached
// it, NoSuccess for the successful attempts' when none succeeded,
// NotMeasured when the report did not record it (one written before
// latency_all_ms was).
func latency(ok bool, f func(reports.Latency) *float64) func(*reports.Report) string {
	return func(r *reports.Report) string {
		l := r.LatencyAllMs
		if ok {
			l = r.LatencyMs
		}
		if v := f(l); v != nil {
			return reports.OneDecimal(*v)
		}
		return latencyMissing(r, ok)
	}
}

// latencyLine is one latency of r in a line, "p50 20.0 ms, p99 40.0 ms,
// max 40.0 ms" (ok: of the successful attempts), or why it has none.
func latencyLine(r *reports.Report, ok bool) string {
	l := r.LatencyAllMs
	if ok {
		l = r.LatencyMs
	}
	if !l.Measured() || l.P99 == nil || l.Max == nil {
		return latencyMissing(r, ok)
	}
	return fmt.Sprintf("p50 %s ms, p99 %s ms, max %s ms", reports.OneDecimal(*l.P50), reports.OneDecimal(*l.P99), reports.OneDecimal(*l.Max))
}

// latencyMissing says why a latency figure of r has no value; ok names the
// latency of the successful attempts.
func latencyMissing(r *reports.Report, ok bool) string {
	switch {
	case r.Requests.Total == 0:
		return reports.NotApplicable
	case ok && r.Requests.OK == 0:
		return reports.NoSuccess
	}
	return reports.NotMeasured
}

// outcome shows a count of callers' end states, NotMeasured when they were
// not recorded (a report rebuilt from attempts.csv).
func outcome(f func(reports.Callers) int64) func(*reports.Report) string {
	return func(r *reports.Report) string {
		if r.Callers.OutcomesUnknown {
			return reports.NotMeasured
		}
		return reports.Count(f(r.Callers))
	}
}

func completion(f func(*reports.Completion) string) func(*reports.Report) string {
	return func(r *reports.Report) string {
		if r.Completion == nil {
			return reports.NotMeasured
		}
		return f(r.Completion)
	}
}

// seconds is a completion percentile in seconds (to 10 ms), or why there is
// none.
func seconds(c *reports.Completion, v *float64) string {
	if v == nil {
		return reports.NotReachedText(c)
	}
	return strconv.FormatFloat(*v/1000, 'f', 2, 64)
}

// asyncv shows an async count: NotMeasured when 202s were seen and not
// followed, NotApplicable for a synchronous service.
func asyncv(f func(*reports.Async) string) func(*reports.Report) string {
	return func(r *reports.Report) string {
		switch {
		case r.AsyncUntracked > 0:
			return reports.NotMeasured
		case r.Async == nil:
			return reports.NotApplicable
		}
		return f(r.Async)
	}
}

// drainText is the drain time, NotApplicable when nothing was accepted, and
// "not finished" when the run stopped with uploads pending.
func drainText(a *reports.Async) string {
	switch {
	case a.NotMeasured != "":
		return reports.NotMeasured
	case a.Pending > 0:
		return fmt.Sprintf("not finished (%d pending)", a.Pending)
	case a.Accepted == 0:
		return reports.NotApplicable
	}
	return reports.OneDecimal(a.DrainS)
}

func gatesPassed(r *reports.Report) string {
	if len(r.Gates) == 0 {
		return "no gates"
	}
	p := 0
	for _, g := range r.Gates {
		if g.Pass {
			p++
		}
	}
	return fmt.Sprintf("%d/%d", p, len(r.Gates))
}

func summaryTable(rs []*reports.Report) (header []string, body [][]string) {
	header = []string{"", ""}
	for _, r := range rs {
		header = append(header, r.Scenario.Name)
	}
	rows := summaryRows
	if anyData(rs) {
		rows = withDataRows(rows)
	}
	for _, rw := range rows {
		line := []string{rw.section, rw.label}
		for _, r := range rs {
			line = append(line, rw.value(r))
		}
		body = append(body, line)
	}
	return header, body
}
