package reports

import "time"

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
