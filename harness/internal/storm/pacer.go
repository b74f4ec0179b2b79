package storm

import (
	"container/heap"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// pacer is the attempts to come, in the order they are due, and the
// hand-over of each to the storm loop: the callers' first attempts sorted
// by their time (4 bytes a caller, where a heap item was 24 and more) and
// every later one — a retry, a periodic caller's next upload — in a heap.
// Pace takes the earlier of the two tops. The engine's mu guards firsts,
// nextFirst and sched.
type pacer struct {
	firsts    []int32       // callers, by their first attempt's time
	nextFirst int           // the next of firsts to be due
	sched     schedule      // later attempts, by their time
	wake      chan struct{} // the schedule's top changed, or the storm ended
	ready     chan item     // from Pace to the storm loop (hit.go)
	timer     *time.Timer   // Pace's, reused: Pace runs on one goroutine
}

// The engine is vegeta's pacer: vegeta's own pacers know a rate, ours
// knows each caller's intended send time (an open model with retries).
var _ vegeta.Pacer = (*engine)(nil)

// Pace implements vegeta.Pacer: it blocks until the next scheduled attempt
// is due and hands it to the storm loop (hit.go); it stops when no caller can send
// again, at max_duration or when the run is cancelled.
func (e *engine) Pace(time.Duration, uint64) (time.Duration, bool) {
	for {
		top, wait, stop := e.due()
		switch {
		case stop:
			return 0, true
		case wait == 0:
			e.ready <- top
			return 0, false
		}
		if e.timer == nil {
			e.timer = time.NewTimer(wait)
		} else {
			e.timer.Reset(wait) // since Go 1.23 a Reset timer never delivers a stale tick
		}
		select {
		case <-e.wake:
		case <-e.timer.C:
		case <-e.runCtx.Done():
		}
		e.timer.Stop()
	}
}

// due pops the attempt that is due now (wait 0), or says how long until
// the earliest one is, or that the storm is over (stop).
func (e *engine) due() (top item, wait time.Duration, stop bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.runCtx.Err() != nil {
		return item{}, 0, true
	}
	fromFirsts := e.nextFirst < len(e.firsts)
	if fromFirsts {
		i := int(e.firsts[e.nextFirst])
		top = item{at: e.callers[i].first, caller: int32(i), try: 1}
	}
	if len(e.sched) > 0 && (!fromFirsts || e.sched[0].at < top.at) {
		top, fromFirsts = e.sched[0], false
	} else if !fromFirsts {
		// A caller whose attempt is in flight may still schedule a retry.
		return item{}, time.Hour, e.waiting == 0
	}
	if el := time.Since(e.start); top.at > el {
		return item{}, top.at - el, false
	}
	if fromFirsts {
		e.nextFirst++
	} else {
		heap.Pop(&e.sched)
	}
	c := &e.callers[top.caller]
	var t tally
	if e.per != nil {
		t = e.per[top.caller].tally // what it did in its uploads before
	}
	f := e.openFlight(int(top.caller), t)
	f.intended, f.try = top.at, top.try
	if top.try == 1 {
		e.policies[c.class].budget.first++ // what the class's retry budget is a fraction of
	}
	return top, 0, false
}

// Rate implements vegeta.Pacer; the schedule has no fixed rate.
func (e *engine) Rate(time.Duration) float64 { return 0 }

// signal wakes Pace when the schedule's top changed or the storm ended.
func (p *pacer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
