package storm

import "time"

// progressEvery bounds how often the drain progress reaches the aggregator.
const progressEvery = 250 * time.Millisecond

// liveDrain is the live view of the drain that the aggregator offers.
//
// TODO(storm): once reports commits SetPhase and AsyncProgress, prove it
// with var _ liveDrain = (*reports.Aggregator)(nil) and set engine.live
// without the type assertion in newEngine.
type liveDrain interface {
	SetPhase(p string)
	AsyncProgress(accepted, done int64)
}

// progress hands the tracker's counts (accepted, and ended: done, failed
// or not followable) to live whenever they changed, at most every
// progressEvery, and once more when quit closes.
func (t *tracker) progress(live liveDrain, quit <-chan struct{}) {
	var last [2]int64
	report := func() {
		now := [2]int64{t.accepted.Load(), t.ended.Load()}
		if now != last {
			live.AsyncProgress(now[0], now[1])
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
