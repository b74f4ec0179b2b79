package storm

import (
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// progressEvery bounds how often the drain progress reaches the aggregator.
const progressEvery = 250 * time.Millisecond

// progressView receives the drain's progress: the aggregator, or a fake
// in the test of the throttling.
type progressView interface {
	AsyncProgress(accepted, done int64)
}

var _ progressView = (*reports.Aggregator)(nil)

// progress hands the tracker's counts (accepted, and ended: done, failed
// or not followable) to view whenever they changed, at most every
// progressEvery, and once more when quit closes.
func (t *tracker) progress(view progressView, quit <-chan struct{}) {
	var last [2]int64
	report := func() {
		now := [2]int64{t.accepted.Load(), t.ended.Load()}
		if now != last {
			view.AsyncProgress(now[0], now[1])
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
