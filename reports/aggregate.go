package reports

import (
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

	// lat holds the latencies of successful attempts (class none), latAll
	// of every attempt that reached the service: a failure is often fast
	// (a 503 at once) or slow (a timeout), and either would pass for the
	// service's speed if the two were one.
	lat, latAll, lag, completion *hdr.Histogram
	latSum, latAllSum            float64 // ms
	buckets                      []bucket

	total, ok, timeouts, sent int64
	status                    map[int32]int64
	classes                   map[Class]int64
	genErrors                 map[Class]int64 // the generator's own failures, never the SUT's
	aborted                   int64           // attempts the run's own stop cut off
	untracked                 int64           // 202s not followed (api.completion: none)

	planned, callers, succeeded, gaveUp, attempts, retries int64
	finished                                               int64 // callers known to be done, for Snapshot
	async                                                  bool
	accepted, completed, failed, pending, duplicates       int64
	lastAccepted, lastCompleted                            time.Duration

	vanished, unfinished int64     // parts of lost; failed is its third
	polls                PollStats // the status polls (asyncpolls.go)

	phase              string            // PhaseStorm | PhaseDrain, for Snapshot
	liveAccepted, done int64             // async progress reported while the run goes on
	queues             map[string]Sample // the last sample with a queue depth, per container

	classNames []string   // SetClasses
	byClass    []classAgg // by Attempt.CallerClass
	badAnswer  *BadAnswer // the first one, AddBadAnswer
	examples   map[Class]ErrorExample
	resent     int64 // requests written again on a new connection (Attempt.Resent)
	redirects  int64 // 3xx answers followed (Attempt.Redirects)
	packedTo   int   // the seconds below it have their histograms packed (bucketpack.go)
	flow       flowAgg
	uploads    *Uploads // callers.every's uploads (uploads.go); nil when callers upload once

	// steps and stepSpans are the arrival's steps (SetArrivalSteps),
	// windows the windows the gates name (SetWindows): window.go.
	steps     []ArrivalStepReport
	stepSpans []WindowSpec
	windows   []WindowSpec

	events  []Event
	obs     Observer // SetObserver; nil when none
	cutover *Cutover
	cutFrom time.Duration
	cutTo   time.Duration
	cutOpen bool
	cutSeen []Attempt // attempts sent after cutFrom while the cutover is open
}

type bucket struct {
	sent, ok, timeouts, errors int64
	offered, goodput           int64         // first attempts sent; attempts answered OK (by answer time)
	late                       int64         // attempts sent more than LateLag after their intended time
	maxLag                     time.Duration // the most one of them was late
	breakerOpens               int64
	busy                       float64 // attempt-seconds spent in flight during this second
	// lat holds the latencies of this second's successful attempts, fail
	// of the others that reached the service; each is nil until its first.
	// Split rather than ok and all so that a healthy run keeps one
	// histogram a second, not two; the timeline merges them.
	lat, fail *hdr.Histogram
	// packedLat and packedFail are lat and fail compressed, once the
	// second is old (bucketpack.go).
	packedLat, packedFail []byte
	samples               map[string]Sample
}

// NewAggregator starts an aggregation whose offsets count from start.
func NewAggregator(start time.Time) *Aggregator {
	return &Aggregator{
		start:      start,
		lat:        hdr.New(histMin, histMax, 3),
		latAll:     hdr.New(histMin, histMax, 3),
		lag:        hdr.New(histMin, histMax, 3),
		completion: hdr.New(histMin, histMax, 3),
		status:     map[int32]int64{},
		classes:    map[Class]int64{},
		genErrors:  map[Class]int64{},
		phase:      PhaseStorm,
		queues:     map[string]Sample{},
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
// An attempt that did reach it is also counted in its caller class
// (Attempt.CallerClass, named by SetClasses), in the second it was sent
// (Bucket.Offered when it was a first attempt) and, when answered OK, in
// the second its answer came (Bucket.Goodput).
func (a *Aggregator) AddAttempt(at Attempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.obs != nil {
		a.obs.Attempt(at)
	}
	a.class(at.CallerClass) // a class is in the report once seen, even if nothing of it reached the service
	if at.Class == ClassAborted {
		a.attempts++
		a.aborted++
		return
	}
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
	if at.Resent {
		a.resent++
	}
	a.redirects += int64(at.Redirects)
	_ = a.latAll.RecordValue(us(at.Latency))
	a.latAllSum += float64(at.Latency) / 1e6
	if at.Class == ClassNone {
		_ = a.lat.RecordValue(us(at.Latency))
		a.latSum += float64(at.Latency) / 1e6
	}
	if lag := at.Sent - at.Intended; lag > 0 {
		_ = a.lag.RecordValue(us(lag))
	} else {
		_ = a.lag.RecordValue(histMin)
	}
	if at.Status > 0 {
		a.status[at.Status]++
	}
	a.addClassAttempt(at)
	if at.Class == ClassNone {
		// Goodput is counted when the answer came, not when it was asked.
		a.bucketAt(at.Sent+at.Latency).goodput++
	}
	b := a.bucketAt(at.Sent)
	a.packOld(len(a.buckets) - 1) // grows nothing: b stays this second's
	b.sent++
	if lag := at.Sent - at.Intended; lag > LateLag {
		b.late++
		b.maxLag = max(b.maxLag, lag)
	}
	if at.Try <= 1 {
		b.offered++
	}
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
	b.recordLatency(at)
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

// recordLatency puts at's latency in the second's histogram of its kind,
// successful or not.
func (b *bucket) recordLatency(at Attempt) {
	if b.packedLat != nil || b.packedFail != nil {
		b.unpack()
	}
	h := &b.fail
	if at.Class == ClassNone {
		h = &b.lat
	}
	if *h == nil {
		*h = hdr.New(histMin, histMax, 2)
	}
	_ = (*h).RecordValue(us(at.Latency))
}

// AddCaller absorbs one caller's final outcome, also in its class
// (CallerOutcome.CallerClass): callers, succeeded, gave up, and its client
// behaviour (budget denied, breaker opens, Retry-After waits).
func (a *Aggregator) AddCaller(o CallerOutcome) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.obs != nil {
		a.obs.Caller(o)
	}
	a.addClassCaller(o)
	a.addAsyncUpload(o)
	if o.UploadOnly {
		return
	}
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
	if o.LoginFailed {
		a.flow.loginFailedCallers++
	}
}

// addAsyncUpload counts the async state of o's upload.
func (a *Aggregator) addAsyncUpload(o CallerOutcome) {
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
		case StateVanished:
			a.vanished++
		case StateLost, StateUnfinished:
			a.unfinished++
		}
		if o.AsyncState == StateDone || o.AsyncState == StateFailed {
			a.lastCompleted = max(a.lastCompleted, o.CompletedAt)
		}
	}
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
	if a.obs != nil {
		a.obs.Planned(n)
	}
	a.mu.Unlock()
}

// AddSample absorbs a resource sample of one SUT container. The last sample
// of each container in a second makes the timeline; the last queue depth of
// each container makes Snapshot's.
func (a *Aggregator) AddSample(s Sample) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.obs != nil {
		a.obs.Sample(s)
	}
	b := a.bucketAt(s.At)
	if b.samples == nil {
		b.samples = map[string]Sample{}
	}
	b.samples[s.Container] = s
	if s.QueueDepth >= 0 {
		if old, ok := a.queues[s.Container]; !ok || s.At >= old.At {
			a.queues[s.Container] = s
		}
	}
}

// AddEvent appends an event to the report.
func (a *Aggregator) AddEvent(e Event) {
	a.mu.Lock()
	a.events = append(a.events, e)
	if a.obs != nil {
		a.obs.Event(e)
	}
	a.mu.Unlock()
}
