package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// row is one line of the summary: a label and a value per report.
type row struct {
	section, label string
	value          func(*Report) string
}

// summaryRows are the rows of the terminal table, Markdown and HTML summary:
// the verdict and the error rate first, then the SUT, requests, latency, callers, completion,
// crashes, async, gates and the generator. A value that was not measured
// reads NotMeasured, one that does not apply NotApplicable: never 0.
var summaryRows = []row{
	{"", "verdict", VerdictText},
	{"", "error rate", errorRateCell},
	{"", "sut", sutText},
	{"sut", "limits", limitsText},
	{"sut", "peak memory", peakMemory},
	{"requests", "total", func(r *Report) string { return n(r.Requests.Total) }},
	{"requests", "ok", func(r *Report) string { return n(r.Requests.OK) }},
	{"requests", "timeouts", func(r *Report) string { return n(r.Requests.Timeouts) }},
	{"requests", "aborted by stop", func(r *Report) string { return n(r.Requests.Aborted) }},
	{"requests", "errors", func(r *Report) string { return n(otherErrors(r)) }},
	{"requests", "error classes", func(r *Report) string { return classList(r.Requests.Errors, ClassTimeout) }},
	{"requests", "ok/s", func(r *Report) string { return f1(r.Throughput) }},
	{latencyOK, "p50 ms", latency(true, func(l Latency) *float64 { return l.P50 })},
	{latencyOK, "p99 ms", latency(true, func(l Latency) *float64 { return l.P99 })},
	{latencyOK, "max ms", latency(true, func(l Latency) *float64 { return l.Max })},
	{latencyAll, "p50 ms", latency(false, func(l Latency) *float64 { return l.P50 })},
	{latencyAll, "p99 ms", latency(false, func(l Latency) *float64 { return l.P99 })},
	{latencyAll, "max ms", latency(false, func(l Latency) *float64 { return l.Max })},
	{"callers", "total", func(r *Report) string {
		if r.Callers.OutcomesUnknown {
			return n(r.Callers.Total) + " seen"
		}
		return n(r.Callers.Total)
	}},
	{"callers", "succeeded", outcome(func(c Callers) int64 { return c.Succeeded })},
	{"callers", "gave up", outcome(func(c Callers) int64 { return c.GaveUp })},
	{"callers", "retries", func(r *Report) string { return n(r.Callers.Retries) }},
	{"load", "offered → attempts → goodput", loadText},
	{"completion", "completed", completion(func(c *Completion) string { return pct(c.CompletedFraction) })},
	{"completion", "p50 s", completion(func(c *Completion) string { return seconds(c, c.P50) })},
	{"completion", "p99 s", completion(func(c *Completion) string { return seconds(c, c.P99) })},
	{"crashes", "crashes", func(r *Report) string { return np(r.Crashes.Count) }},
	{"crashes", "oom kills", func(r *Report) string { return np(r.Crashes.OOMKills) }},
	{"crashes", "restarts", func(r *Report) string { return np(r.Crashes.Restarts) }},
	{"crashes", "downtime s", func(r *Report) string { return f1p(r.Crashes.DowntimeS) }},
	{"async", "accepted", asyncv(func(a *Async) string { return n(a.Accepted) })},
	{"async", "completed", asyncv(func(a *Async) string {
		if a.NotMeasured != "" {
			return NotMeasured
		}
		return n(a.Completed)
	})},
	{"async", "pending", asyncv(func(a *Async) string { return n(a.Pending) })},
	{"async", "lost", asyncv((*Async).LostText)},
	{"async", "duplicates", asyncv(func(a *Async) string { return n(a.Duplicates) })},
	{"async", "drain s", asyncv(drainText)},
	{"gates", "passed", gatesPassed},
	{"generator", "errors", func(r *Report) string { return classList(r.Generator.Errors, "") }},
	{"generator", "cpu share", func(r *Report) string {
		if r.Generator.CPUShare == nil {
			return NotMeasured
		}
		return pct(*r.Generator.CPUShare)
	}},
	{"generator", "in flight peak / file limit", func(r *Report) string {
		return np(r.Generator.InflightPeak) + " / " + np(r.Generator.FileLimit)
	}},
	{"generator", "ports in use / range", func(r *Report) string {
		return np(r.Generator.PortsInUse) + " / " + np(r.Generator.PortRange)
	}},
	{"generator", "lag p99 ms", func(r *Report) string {
		s := f1(r.Generator.LagP99Ms)
		if r.Generator.Saturated {
			s += " SATURATED"
		}
		return s
	}},
}

// sutText names the service under test: "reference async
// (rehearse/uploadsvc:abc) x3", "image team/api:v2", "url http://host:80".
func sutText(r *Report) string {
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
func limitsText(r *Report) string {
	switch r.SUT.Kind {
	case "url":
		return NotApplicable
	case "":
		return NotMeasured
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
		parts = append(parts, FormatBytes(l.MemoryBytes))
	}
	if l.Pids > 0 {
		parts = append(parts, n(l.Pids)+" pids")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// peakMemory is the highest sampled memory of the SUT (all containers),
// with the limit when one was set.
func peakMemory(r *Report) string {
	var peak *int64
	for _, b := range r.Timeline {
		if b.SUTMemBytes != nil && (peak == nil || *b.SUTMemBytes > *peak) {
			peak = b.SUTMemBytes
		}
	}
	if peak == nil {
		return NotMeasured
	}
	s := FormatBytes(*peak)
	if l := r.SUT.Resources; l != nil && l.MemoryBytes > 0 {
		if r.SUT.Replicas > 1 {
			s += fmt.Sprintf(" (%d containers, limit %s each)", r.SUT.Replicas, FormatBytes(l.MemoryBytes))
		} else {
			s += " (limit " + FormatBytes(l.MemoryBytes) + ")"
		}
	}
	return s
}

// errorRateCell is the share of requests that were not ok, with the
// counts: "12.5% (15 of 120)", or "no requests".
func errorRateCell(r *Report) string {
	if r.Requests.Total == 0 {
		return "no requests"
	}
	return fmt.Sprintf("%s (%d of %d)", pct(errorRate(r)), r.Requests.Total-r.Requests.OK, r.Requests.Total)
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

// classList is "http_5xx 15, eof 2" or "none": the classes of m with a
// count, except skip.
func classList(m map[Class]int64, skip Class) string {
	var cs []string
	for _, c := range sortedClasses(m) {
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
func latency(ok bool, f func(Latency) *float64) func(*Report) string {
	return func(r *Report) string {
		l := r.LatencyAllMs
		if ok {
			l = r.LatencyMs
		}
		if v := f(l); v != nil {
			return f1(*v)
		}
		return latencyMissing(r, ok)
	}
}

// latencyLine is one latency of r in a line, "p50 20.0 ms, p99 40.0 ms,
// max 40.0 ms" (ok: of the successful attempts), or why it has none.
func latencyLine(r *Report, ok bool) string {
	l := r.LatencyAllMs
	if ok {
		l = r.LatencyMs
	}
	if !l.Measured() || l.P99 == nil || l.Max == nil {
		return latencyMissing(r, ok)
	}
	return fmt.Sprintf("p50 %s ms, p99 %s ms, max %s ms", f1(*l.P50), f1(*l.P99), f1(*l.Max))
}

// latencyMissing says why a latency figure of r has no value; ok names the
// latency of the successful attempts.
func latencyMissing(r *Report, ok bool) string {
	switch {
	case r.Requests.Total == 0:
		return NotApplicable
	case ok && r.Requests.OK == 0:
		return NoSuccess
	}
	return NotMeasured
}

// outcome shows a count of callers' end states, NotMeasured when they were
// not recorded (a report rebuilt from attempts.csv).
func outcome(f func(Callers) int64) func(*Report) string {
	return func(r *Report) string {
		if r.Callers.OutcomesUnknown {
			return NotMeasured
		}
		return n(f(r.Callers))
	}
}

func completion(f func(*Completion) string) func(*Report) string {
	return func(r *Report) string {
		if r.Completion == nil {
			return NotMeasured
		}
		return f(r.Completion)
	}
}

// seconds is a completion percentile in seconds (to 10 ms), or why there is
// none.
func seconds(c *Completion, v *float64) string {
	if v == nil {
		return notReached(c)
	}
	return strconv.FormatFloat(*v/1000, 'f', 2, 64)
}

// asyncv shows an async count: NotMeasured when 202s were seen and not
// followed, NotApplicable for a synchronous service.
func asyncv(f func(*Async) string) func(*Report) string {
	return func(r *Report) string {
		switch {
		case r.AsyncUntracked > 0:
			return NotMeasured
		case r.Async == nil:
			return NotApplicable
		}
		return f(r.Async)
	}
}

// drainText is the drain time, NotApplicable when nothing was accepted, and
// "not finished" when the run stopped with uploads pending.
func drainText(a *Async) string {
	switch {
	case a.NotMeasured != "":
		return NotMeasured
	case a.Pending > 0:
		return fmt.Sprintf("not finished (%d pending)", a.Pending)
	case a.Accepted == 0:
		return NotApplicable
	}
	return f1(a.DrainS)
}

func gatesPassed(r *Report) string {
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

func summaryTable(rs []*Report) (header []string, body [][]string) {
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
