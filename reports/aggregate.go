package reports

import (
	"sort"
	"strconv"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram ranges, in microseconds.
const (
	histMin = 1
	histMax = int64(time.Hour / time.Microsecond)
)

// Aggregator builds a Report from a stream of attempts, caller outcomes,
// samples and events. Its memory grows with the run's duration (one small
// bucket per second), never with the number of attempts. It is safe for
// concurrent use.
type Aggregator struct {
	mu    sync.Mutex
	start time.Time

	lat, lag, completion *hdr.Histogram
	latSum               float64 // ms
	buckets              []bucket

	total, ok, timeouts, sent int64
	status                    map[int32]int64
	classes                   map[Class]int64
	genErrors                 map[Class]int64 // the generator's own failures, never the SUT's
	untracked                 int64           // 202s not followed (api.completion: none)

	planned, callers, succeeded, gaveUp, attempts, retries int64
	finished                                               int64 // callers known to be done, for Snapshot
	async                                                  bool
	accepted, completed, failed, pending, lost, duplicates int64
	lastAccepted, lastCompleted                            time.Duration

	events  []Event
	cutover *Cutover
	cutFrom time.Duration
	cutTo   time.Duration
	cutOpen bool
	cutSeen []Attempt // attempts sent after cutFrom while the cutover is open
}

// maxCutSeen bounds what an open cutover window keeps.
const maxCutSeen = 1 << 20

type bucket struct {
	sent, ok, timeouts, errors int64
	busy                       float64 // attempt-seconds spent in flight during this second
	lat                        *hdr.Histogram
	samples                    map[string]Sample
}

// NewAggregator starts an aggregation whose offsets count from start.
func NewAggregator(start time.Time) *Aggregator {
	return &Aggregator{
		start:      start,
		lat:        hdr.New(histMin, histMax, 3),
		lag:        hdr.New(histMin, histMax, 3),
		completion: hdr.New(histMin, histMax, 3),
		status:     map[int32]int64{},
		classes:    map[Class]int64{},
		genErrors:  map[Class]int64{},
	}
}

func (a *Aggregator) bucketAt(d time.Duration) *bucket {
	i := max(int(d/time.Second), 0)
	for len(a.buckets) <= i {
		a.buckets = append(a.buckets, bucket{})
	}
	return &a.buckets[i]
}

func us(d time.Duration) int64 { return min(max(int64(d/time.Microsecond), histMin), histMax) }

// AddAttempt absorbs one attempt. An attempt of a generator class
// (Class.Generator) counts as the caller's attempt and in Generator.Errors
// only: it never reached the service, so it is no request of the service's.
func (a *Aggregator) AddAttempt(at Attempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if at.Class.Generator() {
		a.attempts++
		if at.Try > 1 {
			a.retries++
		}
		a.genErrors[at.Class]++
		return
	}
	a.total++
	a.sent++
	a.attempts++
	if at.Try > 1 {
		a.retries++
	}
	_ = a.lat.RecordValue(us(at.Latency))
	a.latSum += float64(at.Latency) / 1e6
	if lag := at.Sent - at.Intended; lag > 0 {
		_ = a.lag.RecordValue(us(lag))
	} else {
		_ = a.lag.RecordValue(histMin)
	}
	if at.Status > 0 {
		a.status[at.Status]++
	}
	b := a.bucketAt(at.Sent)
	b.sent++
	switch at.Class {
	case ClassNone:
		a.ok++
		b.ok++
	case ClassTimeout:
		a.timeouts++
		b.timeouts++
		a.classes[at.Class]++
	default:
		a.classes[at.Class]++
		b.errors++
	}
	if b.lat == nil {
		b.lat = hdr.New(histMin, histMax, 2)
	}
	_ = b.lat.RecordValue(us(at.Latency))
	// Spread the attempt's time in flight over the seconds it spans.
	from, to := at.Sent, at.Sent+at.Latency
	for s := from; s < to; {
		next := min((s/time.Second+1)*time.Second, to)
		a.bucketAt(s).busy += (next - s).Seconds()
		s = next
	}
	switch {
	case a.cutOpen && at.Sent >= a.cutFrom && len(a.cutSeen) < maxCutSeen:
		a.cutSeen = append(a.cutSeen, Attempt{Sent: at.Sent, Class: at.Class})
	case a.cutover != nil && !a.cutOpen && at.Sent >= a.cutFrom && at.Sent <= a.cutTo:
		a.countCutover(at)
	}
}

func (a *Aggregator) countCutover(at Attempt) {
	a.cutover.Requests++
	if at.Class == ClassNone {
		a.cutover.OK++
	} else {
		a.cutover.Errors[at.Class]++
	}
}

// AddCaller absorbs one caller's final outcome.
func (a *Aggregator) AddCaller(o CallerOutcome) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.callers++
	if o.Succeeded {
		a.succeeded++
		// Completion percentiles are over all callers: those who did not
		// succeed are censored in Finish, not recorded here.
		_ = a.completion.RecordValue(us(o.Completion))
	}
	if o.GaveUp {
		a.gaveUp++
	}
	if o.Accepted > 0 {
		a.async = true
		a.accepted++
		a.duplicates += int64(o.Accepted - 1)
		a.lastAccepted = max(a.lastAccepted, o.AcceptedAt)
		switch o.AsyncState {
		case StateDone:
			a.completed++
		case StateFailed:
			a.failed++
		case StatePending:
			a.pending++
		case StateLost:
			a.lost++
		}
		if o.AsyncState == StateDone || o.AsyncState == StateFailed {
			a.lastCompleted = max(a.lastCompleted, o.CompletedAt)
		}
	}
}

// CallerFinished counts a caller that reached its end state while the storm
// runs (AddCaller comes at the end); Snapshot reports the count.
func (a *Aggregator) CallerFinished() {
	a.mu.Lock()
	a.finished++
	a.mu.Unlock()
}

// SetAsync makes the report's async section present even when nothing was
// accepted.
func (a *Aggregator) SetAsync(on bool) {
	a.mu.Lock()
	a.async = on
	a.mu.Unlock()
}

// AddUntracked counts n 202 answers whose completion was not followed
// (api.completion: none).
func (a *Aggregator) AddUntracked(n int64) {
	a.mu.Lock()
	a.untracked += n
	a.mu.Unlock()
}

// SetPlanned records how many first attempts (callers) were planned.
func (a *Aggregator) SetPlanned(n int64) {
	a.mu.Lock()
	a.planned = n
	a.mu.Unlock()
}

// AddSample absorbs a resource sample of one SUT container.
func (a *Aggregator) AddSample(s Sample) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.bucketAt(s.At)
	if b.samples == nil {
		b.samples = map[string]Sample{}
	}
	b.samples[s.Container] = s
}

// AddEvent appends an event to the report.
func (a *Aggregator) AddEvent(e Event) {
	a.mu.Lock()
	a.events = append(a.events, e)
	a.mu.Unlock()
}

// BeginCutover opens the upgrade window at from. Attempts sent inside the
// window are counted in the report's cutover section once EndCutover closes
// it (attempts are absorbed when they end, which can be after the window).
func (a *Aggregator) BeginCutover(strategy string, from time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cutover = &Cutover{Strategy: strategy, StartS: from.Seconds(), EndS: from.Seconds(), Errors: map[Class]int64{}}
	a.cutFrom, a.cutOpen, a.cutSeen = from, true, nil
}

// EndCutover closes the upgrade window at to, with the downtime measured
// during it.
func (a *Aggregator) EndCutover(to time.Duration, downtimeS float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cutover == nil {
		return
	}
	a.cutTo, a.cutOpen = to, false
	a.cutover.EndS, a.cutover.DowntimeS = to.Seconds(), downtimeS
	for _, at := range a.cutSeen {
		if at.Sent <= to {
			a.countCutover(at)
		}
	}
	a.cutSeen = nil
}

// Live is a progress snapshot of a running storm.
type Live struct {
	Elapsed                    time.Duration
	Sent, OK, Timeouts, Errors int64
	CallersDone, CallersTotal  int64
	P50Ms, P99Ms               float64
}

// Snapshot returns the progress so far.
func (a *Aggregator) Snapshot() Live {
	a.mu.Lock()
	defer a.mu.Unlock()
	return Live{
		Elapsed: time.Since(a.start), Sent: a.sent, OK: a.ok, Timeouts: a.timeouts,
		Errors: a.total - a.ok - a.timeouts, CallersDone: max(a.finished, a.callers), CallersTotal: a.planned,
		P50Ms: ms(a.lat.ValueAtQuantile(50)), P99Ms: ms(a.lat.ValueAtQuantile(99)),
	}
}

func ms(v int64) float64 { return float64(v) / 1000 }

// Finish returns the report of everything absorbed, as of end. The harness
// fills scenario, sut, crashes, gates and verdict.
func (a *Aggregator) Finish(end time.Time) *Report {
	a.mu.Lock()
	defer a.mu.Unlock()
	dur := end.Sub(a.start).Seconds()
	r := &Report{
		Schema:    Schema,
		StartedAt: a.start.UTC(),
		EndedAt:   end.UTC(),
		DurationS: round3(dur),
		Verdict:   VerdictPass,
		Generator: Generator{
			PlannedAttempts: a.planned, Sent: a.sent,
			MaxLagMs: ms(a.lag.Max()), LagP99Ms: ms(a.lag.ValueAtQuantile(99)),
			Errors: map[Class]int64{},
		},
		Requests:       Requests{Total: a.total, OK: a.ok, Timeouts: a.timeouts, Errors: map[Class]int64{}, Status: map[string]int64{}},
		AsyncUntracked: a.untracked,
		Callers:        Callers{Total: a.callers, Succeeded: a.succeeded, GaveUp: a.gaveUp, Attempts: a.attempts, Retries: a.retries},
		Crashes:        Crashes{Events: []CrashEvent{}},
		Gates:          []GateResult{},
		Timeline:       []Bucket{},
		Events:         append([]Event{}, a.events...),
		Notes:          []string{},
	}
	if a.sent > 0 {
		r.Generator.Saturated = r.Generator.LagP99Ms > 10
	}
	for c, n := range a.classes {
		r.Requests.Errors[c] = n
	}
	for c, n := range a.genErrors {
		r.Generator.Errors[c] = n
	}
	for code, n := range a.status {
		r.Requests.Status[strconv.Itoa(int(code))] = n
	}
	if a.total > 0 {
		r.LatencyMs = Latency{
			Mean: round3(a.latSum / float64(a.total)),
			P50:  ms(a.lat.ValueAtQuantile(50)), P90: ms(a.lat.ValueAtQuantile(90)),
			P99: ms(a.lat.ValueAtQuantile(99)), Max: ms(a.lat.Max()),
		}
	}
	if dur > 0 {
		r.Throughput = round3(float64(a.ok) / dur)
	}
	r.Completion = a.completionOverAll()
	if a.async {
		r.Async = &Async{Accepted: a.accepted, Completed: a.completed, Failed: a.failed, Pending: a.pending, Lost: a.lost, Duplicates: a.duplicates}
		if a.lastCompleted > a.lastAccepted {
			r.Async.DrainS = round3((a.lastCompleted - a.lastAccepted).Seconds())
		}
	}
	if a.cutover != nil {
		c := *a.cutover
		r.Cutover = &c
	}
	for i, b := range a.buckets {
		tb := Bucket{TS: float64(i), Sent: b.sent, OK: b.ok, Timeouts: b.timeouts, Errors: b.errors, Inflight: int64(b.busy + 0.5)}
		if b.lat != nil {
			tb.P50Ms, tb.P99Ms = ms(b.lat.ValueAtQuantile(50)), ms(b.lat.ValueAtQuantile(99))
		}
		if len(b.samples) > 0 {
			var mem int64
			var cpu float64
			var q int64 = -1
			names := make([]string, 0, len(b.samples))
			for n := range b.samples {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				s := b.samples[n]
				mem += s.MemBytes
				cpu += s.CPU
				if s.QueueDepth >= 0 {
					q = max(q, 0) + s.QueueDepth
				}
			}
			cpu = round3(cpu)
			tb.SUTMemBytes, tb.SUTCPU = &mem, &cpu
			if q >= 0 {
				tb.QueueDepth = &q
			}
		}
		r.Timeline = append(r.Timeline, tb)
	}
	return r
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

// Variables returns the gate variables of r (scenarios.GateVariables) that
// were measured. A variable that was not measured (crash counts of rehearse
// attack, a completion percentile not reached, async counts when 202s were
// not followed) or does not apply (drain_s of a synchronous SUT) is absent:
// a gate on it fails with that reason instead of passing on a zero.
func Variables(r *Report) map[string]float64 {
	v := map[string]float64{
		"requests": float64(r.Requests.Total), "ok": float64(r.Requests.OK), "timeouts": float64(r.Requests.Timeouts),
		"p50_ms": r.LatencyMs.P50, "p90_ms": r.LatencyMs.P90, "p99_ms": r.LatencyMs.P99, "max_ms": r.LatencyMs.Max,
		"throughput_rps": r.Throughput, "callers": float64(r.Callers.Total), "succeeded": float64(r.Callers.Succeeded),
		"gave_up": float64(r.Callers.GaveUp), "retries": float64(r.Callers.Retries),
		"timeout_rate": 0, "error_rate": 0,
	}
	if r.Requests.Total > 0 {
		v["timeout_rate"] = float64(r.Requests.Timeouts) / float64(r.Requests.Total)
		v["error_rate"] = float64(r.Requests.Total-r.Requests.OK) / float64(r.Requests.Total)
	}
	if c := r.Completion; c != nil && c.P99 != nil {
		v["completion_p99_ms"] = *c.P99
	}
	if c := r.Crashes; c.Measured() {
		v["crashes"], v["oom_kills"], v["restarts"] = float64(*c.Count), float64(*c.OOMKills), float64(*c.Restarts)
		if c.DowntimeS != nil {
			v["downtime_s"] = *c.DowntimeS
		}
	}
	switch a := r.Async; {
	case r.AsyncUntracked > 0:
		// 202s were seen and not followed: nothing is known of their fate.
	case a == nil:
		// No upload was accepted for later: nothing can be pending or lost.
		v["accepted"], v["completed"], v["lost"], v["duplicates"] = 0, 0, 0, 0
	default:
		v["accepted"], v["completed"], v["lost"], v["duplicates"], v["drain_s"] =
			float64(a.Accepted), float64(a.Completed), float64(a.Lost), float64(a.Duplicates), a.DrainS
	}
	return v
}
