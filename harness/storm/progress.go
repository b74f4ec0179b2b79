package storm

import "time"

// progressEvery bounds how often the drain progress reaches the aggregator.
const progressEvery = 250 * time.Millisecond

// liveDrain is what the aggregator offers a live view of the drain.
//
// TODO(storm): call e.opts.Aggregator.SetPhase and AsyncProgress directly
// once reports has them, and drop this interface.
type liveDrain interface {
	SetPhase(p string)
	AsyncProgress(accepted, done int64)
}

// setPhase tells the aggregator that the run is in phase p ("storm" or
// "drain"), for the live view.
func (e *engine) setPhase(p string) {
	if l, ok := any(e.opts.Aggregator).(liveDrain); ok {
		l.SetPhase(p)
	}
}

// progress hands the tracker's counts to the aggregator whenever they
// changed, at most every progressEvery, and once more when quit closes.
func (e *engine) progress(quit <-chan struct{}) {
	l, ok := any(e.opts.Aggregator).(liveDrain)
	if !ok {
		return
	}
	var last [2]int64
	report := func() {
		now := [2]int64{e.trk.accepted.Load(), e.trk.ended.Load()}
		if now != last {
			l.AsyncProgress(now[0], now[1])
			last = now
		}
	}
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			report()
		case <-quit:
			report()
			return
		}
	}
}
