package reports

import "time"

// Observer sees what an Aggregator absorbs, as it absorbs it: live metrics
// read the storm through it without a second pass over the attempts. The
// Aggregator calls it with its lock held and in the order it absorbs, so
// an Observer counts exactly what the report will (a test ties them), and
// it must be cheap (no I/O, no allocation per attempt), must not block
// and must not call back into the Aggregator.
type Observer interface {
	// Planned is SetPlanned's count of callers (first attempts).
	Planned(n int64)
	// Classes are the caller classes' names by index, as Report.Classes
	// names them (DefaultClass when none was declared).
	Classes(names []string)
	// Attempt is every attempt AddAttempt absorbs: the service's, the
	// generator's own failures (Class.Generator) and the aborted.
	Attempt(Attempt)
	// CallerFinished is a caller that reached its end state during the
	// run, and how it ended.
	CallerFinished(end CallerEnd)
	// Caller is one caller's final outcome (AddCaller): as the caller ended
	// (CallerOutcome.Ended) or at the run's end.
	Caller(CallerOutcome)
	// Async is AsyncProgress: uploads accepted and done so far (totals).
	Async(accepted, done int64)
	// Sample is a SUT container's resource sample (AddSample).
	Sample(Sample)
	// Event is a timeline event (AddEvent), on the storm's clock.
	Event(Event)
	// BreakerOpen is a caller's circuit breaker opening (AddBreakerOpen).
	BreakerOpen(at time.Duration, class uint8)
}

// SetObserver makes o see everything a absorbs from now on; nil stops it.
// Set it before the storm: what was absorbed before is not replayed.
func (a *Aggregator) SetObserver(o Observer) {
	a.mu.Lock()
	a.obs = o
	if o != nil {
		o.Classes(a.classNamesLocked())
		if a.planned > 0 {
			o.Planned(a.planned)
		}
	}
	a.mu.Unlock()
}
