package reports

import "time"

// Phases of a run, as Live.Phase names them.
const (
	PhaseStorm = "storm" // callers are arriving and retrying
	PhaseDrain = "drain" // every caller is done; accepted uploads are still being processed
)

// Live is a progress snapshot of a running storm. Elapsed counts from the
// storm's start: it is the one clock of the progress display.
type Live struct {
	Elapsed                    time.Duration
	Phase                      string // PhaseStorm or PhaseDrain
	Sent, OK, Timeouts, Errors int64
	GeneratorErrors            int64 // attempts that failed on this machine (Generator.Errors)
	CallersDone, CallersTotal  int64
	// P50Ms and P99Ms are the latency of successful attempts so far, nil
	// before the first.
	P50Ms, P99Ms *float64
	// Async progress, as AsyncProgress last reported it: uploads accepted
	// so far, done (terminal) so far, and Pending = Accepted - Done.
	Accepted, Done, Pending int64
	// QueueDepth is the service's queue depth: the sum of each container's
	// last sampled depth; nil when no container reports one.
	QueueDepth *int64
	// FirstTLS is the run's first TLS failure (class tls) so far, its
	// example; nil while there is none. A CLI says it at once: a storm
	// whose every handshake fails should not run its course in silence.
	FirstTLS *ErrorExample
}

// queueStale is how old a container's last queue depth may be, behind the
// newest one, to still count: a replaced container stops counting.
const queueStale = 5 * time.Second

// Snapshot returns the progress so far. It is safe to call while the run
// goes on.
func (a *Aggregator) Snapshot() Live {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := Live{
		Elapsed: time.Since(a.start), Phase: a.phase, Sent: a.sent, OK: a.ok, Timeouts: a.timeouts,
		Errors: a.total - a.ok - a.timeouts, CallersDone: max(a.finished, a.callers), CallersTotal: a.planned,
		P50Ms: quantile(a.lat, 50), P99Ms: quantile(a.lat, 99),
		Accepted: a.liveAccepted, Done: a.done, Pending: max(a.liveAccepted-a.done, 0),
	}
	for _, n := range a.genErrors {
		l.GeneratorErrors += n
	}
	if e, ok := a.examples[ClassTLS]; ok {
		l.FirstTLS = &e
	}
	var newest time.Duration
	for _, s := range a.queues {
		newest = max(newest, s.At)
	}
	for _, s := range a.queues {
		if s.At >= newest-queueStale {
			if l.QueueDepth == nil {
				l.QueueDepth = new(int64)
			}
			*l.QueueDepth += s.QueueDepth
		}
	}
	return l
}

// SetPhase tells Snapshot which phase the run is in: PhaseStorm (the
// default) or PhaseDrain, set by the storm engine when every caller is done
// and accepted uploads are still being processed.
func (a *Aggregator) SetPhase(p string) {
	a.mu.Lock()
	a.phase = p
	a.mu.Unlock()
}

// AsyncProgress reports, while the run goes on, how many uploads were
// accepted and how many are done (terminal) so far; Snapshot shows them and
// pending = accepted - done. Both are totals so far, not increments. The
// report's async section comes from AddCaller, not from here.
func (a *Aggregator) AsyncProgress(accepted, done int64) {
	a.mu.Lock()
	a.liveAccepted, a.done = accepted, done
	if a.obs != nil {
		a.obs.Async(accepted, done)
	}
	a.mu.Unlock()
}

// CallerEnd is how a caller's story ended, as the storm knows it the
// moment it ends (the final outcome still comes with AddCaller).
type CallerEnd uint8

// Caller ends: succeeded (a 2xx answer, or an accepted upload done), gave
// up (its last try failed, or its upload failed), or another end (the
// generator halted it, the run stopped it, its upload was lost).
const (
	EndOther CallerEnd = iota
	EndSucceeded
	EndGaveUp
)

// CallerFinished counts a caller that reached its end state while the storm
// runs (its AddCaller comes then or at the run's end); Snapshot reports the count, and an
// Observer sees how it ended, so live views need not wait for the end.
func (a *Aggregator) CallerFinished(end CallerEnd) {
	a.mu.Lock()
	a.finished++
	if a.obs != nil {
		a.obs.CallerFinished(end)
	}
	a.mu.Unlock()
}

func ms(v int64) float64 { return float64(v) / 1000 }
