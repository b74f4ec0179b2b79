package reports

import (
	"sort"
	"strconv"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Finish returns the report of everything absorbed, as of end. The harness
// fills scenario, sut, crashes, gates and verdict. Its verdict is pass, or
// invalid when the generator made errors of its own; its notes name the
// generator's errors with their fix (GeneratorNote), so the harness need
// not write that note again.
func (a *Aggregator) Finish(end time.Time) *Report {
	a.mu.Lock()
	defer a.mu.Unlock()
	dur := end.Sub(a.start).Seconds()
	r := &Report{
		Schema:         Schema,
		StartedAt:      a.start.UTC(),
		EndedAt:        end.UTC(),
		DurationS:      round3(dur),
		Verdict:        VerdictPass,
		Generator:      a.generator(),
		Requests:       a.requests(),
		LatencyMs:      latencyOf(a.lat, a.latSum),
		LatencyAllMs:   latencyOf(a.latAll, a.latAllSum),
		AsyncUntracked: a.untracked,
		Callers: Callers{Total: a.callers, Succeeded: a.succeeded, GaveUp: a.gaveUp, Attempts: a.attempts, Retries: a.retries,
			LoginFailed: a.flow.loginFailedCallers},
		Login:      a.loginReport(),
		Steps:      a.stepReports(),
		Uploads:    a.uploadsCopy(),
		Completion: a.completionOverAll(),
		Async:      a.asyncSummary(),
		Classes:    a.classReports(),
		Load:       a.loadSummary(),
		BadAnswer:  a.badAnswerCopy(),
		Crashes:    Crashes{Events: []CrashEvent{}},
		Gates:      []GateResult{},
		Signature:  []GateResult{},
		Timeline:   a.timeline(),
		Events:     append([]Event{}, a.events...),
		Notes:      a.notes(),
	}
	if len(r.Generator.Errors) > 0 {
		r.Verdict = VerdictInvalid
	}
	if dur > 0 {
		r.Throughput = round3(float64(a.ok) / dur)
	}
	if a.cutover != nil {
		c := *a.cutover
		r.Cutover = &c
	}
	r.ArrivalSteps, r.Windows = a.windowReports(end.Sub(a.start))
	return r
}

// badAnswerCopy is the kept bad answer, a copy the report may own.
func (a *Aggregator) badAnswerCopy() *BadAnswer {
	if a.badAnswer == nil {
		return nil
	}
	b := *a.badAnswer
	return &b
}

func (a *Aggregator) notes() []string {
	notes := []string{}
	if s := GeneratorNote(a.genErrors); s != "" {
		notes = append(notes, s)
	}
	if s := a.asyncSummary(); s != nil {
		notes = append(notes, asyncNotes(s)...)
	}
	return notes
}

func (a *Aggregator) generator() Generator {
	g := Generator{
		PlannedAttempts: a.planned, Sent: a.sent,
		MaxLagMs: ms(a.lag.Max()), LagP99Ms: ms(a.lag.ValueAtQuantile(99)),
		Errors: map[Class]int64{},
	}
	if a.sent > 0 {
		g.Saturated, g.Stalls = a.lateness()
	}
	for c, n := range a.genErrors {
		g.Errors[c] = n
	}
	return g
}

func (a *Aggregator) requests() Requests {
	r := Requests{Total: a.total, OK: a.ok, Timeouts: a.timeouts, Aborted: a.aborted, Resent: a.resent, Redirects: a.redirects,
		Errors: map[Class]int64{}, Status: map[string]int64{}}
	for c, e := range a.examples {
		if r.ErrorExamples == nil {
			r.ErrorExamples = map[Class]ErrorExample{}
		}
		r.ErrorExamples[c] = e
	}
	for c, n := range a.classes {
		r.Errors[c] = n
	}
	for code, n := range a.status {
		r.Status[strconv.Itoa(int(code))] = n
	}
	return r
}

// asyncSummary is nil for a synchronous SUT.
func (a *Aggregator) asyncSummary() *Async {
	if !a.async {
		return nil
	}
	s := &Async{Accepted: a.accepted, Completed: a.completed, Failed: a.failed, Vanished: a.vanished, Unfinished: a.unfinished,
		Pending: a.pending, Lost: a.failed + a.vanished + a.unfinished, Duplicates: a.duplicates}
	if a.lastCompleted > a.lastAccepted {
		s.DrainS = round3((a.lastCompleted - a.lastAccepted).Seconds())
	}
	a.polls.apply(s)
	return s
}

// timeline turns the per-second buckets into the report's timeline.
func (a *Aggregator) timeline() []Bucket {
	out := make([]Bucket, 0, len(a.buckets))
	var scratch *hdr.Histogram // one union reused for every second: a long run has many
	for i, b := range a.buckets {
		tb := Bucket{TS: float64(i), Sent: b.sent, OK: b.ok, Timeouts: b.timeouts, Errors: b.errors, Inflight: int64(b.busy + 0.5),
			Offered: b.offered, Goodput: b.goodput, BreakerOpens: b.breakerOpens}
		lat, fail := b.hists()
		tb.P50Ms, tb.P99Ms = quantile(lat, 50), quantile(lat, 99)
		all := unionInto(&scratch, lat, fail)
		tb.P50AllMs, tb.P99AllMs = quantile(all, 50), quantile(all, 99)
		if len(b.samples) > 0 {
			tb.SUTMemBytes, tb.SUTCPU, tb.QueueDepth = sumSamples(b.samples)
		}
		out = append(out, tb)
	}
	return out
}

// sumSamples adds up the last sample of each container in one second. A
// negative CPU sample (a CPU counter that went back across a container
// restart) measures nothing: it is left out, and the second's CPU is nil
// when no container had a usable one.
func sumSamples(samples map[string]Sample) (mem *int64, cpu *float64, queue *int64) {
	var m int64
	var c float64
	cpuSeen := false
	var q int64 = -1
	names := make([]string, 0, len(samples))
	for n := range samples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := samples[n]
		m += s.MemBytes
		if s.CPU >= 0 { // false for NaN too
			c += s.CPU
			cpuSeen = true
		}
		if s.QueueDepth >= 0 {
			q = max(q, 0) + s.QueueDepth
		}
	}
	mem = &m
	if cpuSeen {
		c = round3(c)
		cpu = &c
	}
	if q >= 0 {
		queue = &q
	}
	return mem, cpu, queue
}

// completionOverAll returns completion percentiles over every caller, the
// ones who never completed counted as +Inf: percentile q is reached only
// when at least q of all callers completed, and is then the completed
// callers' percentile q·total/succeeded. nil when no caller was recorded.
func (a *Aggregator) completionOverAll() *Completion {
	if a.callers == 0 {
		return nil
	}
	c := &Completion{CompletedFraction: round3(float64(a.succeeded) / float64(a.callers))}
	at := func(q float64) *float64 {
		need := q * float64(a.callers)
		if float64(a.succeeded) < need || a.succeeded == 0 {
			return nil
		}
		v := ms(a.completion.ValueAtQuantile(min(100, 100*need/float64(a.succeeded))))
		return &v
	}
	c.P50, c.P90, c.P99 = at(0.50), at(0.90), at(0.99)
	if a.succeeded > 0 {
		m := ms(a.completion.Max())
		c.Max = &m
	}
	return c
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
