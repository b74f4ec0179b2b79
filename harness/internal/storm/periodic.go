package storm

import (
	"container/heap"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Periodic callers (callers.every) upload again and again for
// run.duration, each at its own seeded phase, and once more at storm.at
// on top of that. A caller does one upload at a time: an upload due
// while the one before is still going starts when it ends (late). Each
// upload's end is counted in the report's uploads section (and, accepted
// for later, in async as it ends); the caller's own outcome comes at the
// run's end — succeeded when every upload of it did.

// periodicState is a periodic caller's place in its schedule.
// 40 bytes: a storm holds one per periodic caller for its whole run.
type periodicState struct {
	completion time.Duration // of its last upload that succeeded
	tally                    // of its uploads before the current one (caller.go)
	k          int32         // scheduled uploads started
	stormed    bool          // its storm upload started (or it has none)
	storm      bool          // its current upload is the storm's
	late       bool          // its current upload began after it was due
	anyOK      bool          // an upload of it succeeded
	anyFailed  bool          // an upload of it gave up
}

// uploads is how many uploads caller i started, its storm upload
// included.
func (e *engine) uploads(i int) int {
	ps := &e.per[i]
	if e.stormAt != nil && ps.stormed {
		return int(ps.k) + 1
	}
	return int(ps.k)
}

// initPeriodic sets up sc's periodic callers and gives each its first
// upload's time in c.first; stormAt are the storm uploads' times.
func (e *engine) initPeriodic(sc *scenarios.Scenario, stormAt []time.Duration) {
	e.periodic = sc.Schedule()
	if e.periodic == nil {
		return
	}
	e.per = make([]periodicState, len(e.callers))
	// Every periodic caller's next upload waits in the schedule for most
	// of the run: room for all of them at once, not a slice that doubles
	// its way there leaving its old arrays behind.
	e.sched = make(schedule, 0, len(e.callers))
	e.stormAt = stormAt
	for i := range e.callers {
		if e.callers[i].state == stateNone {
			continue
		}
		e.per[i].stormed = stormAt == nil
		at, _ := e.claimNext(i)
		e.callers[i].first = e.opts.After + at
	}
}

// claimNext is when caller i's next upload is due — its next scheduled
// one or its storm upload, whichever comes first — and marks it started;
// false when it has none left (the first is always due: Schedule).
func (e *engine) claimNext(i int) (time.Duration, bool) {
	ps := &e.per[i]
	at, ok := e.periodic.At(i, int(ps.k))
	if !ps.stormed && (!ok || e.stormAt[i] < at) {
		ps.stormed, ps.storm = true, true
		return e.stormAt[i], true
	}
	if !ok {
		return 0, false
	}
	ps.k++
	ps.storm = false
	return at, true
}

// again counts the end at offset end of caller i's current upload and
// puts its next one in the schedule; false when it has none left, or the
// caller cannot go on (halted by the run's stop or the generator). Call
// it with e.mu held.
func (e *engine) again(i int, end time.Duration) bool {
	c, ps := &e.callers[i], &e.per[i]
	ok := c.state == stateSucceeded || c.state == stateAccepted
	failed := c.state == stateGaveUp || c.state == stateLoginFailed
	if ok {
		ps.anyOK = true
	}
	if f := e.flightOf(i); f != nil && c.state == stateSucceeded {
		ps.completion = f.completion // an accepted one's comes when it is done (poll.go)
	}
	if failed {
		ps.anyFailed = true
	}
	e.opts.Aggregator.AddUploadEnd(reports.UploadEnd{OK: ok, GaveUp: failed, Late: ps.late, Storm: ps.storm})
	// Between uploads, and after its last, it keeps its tally, not its
	// flight: a million callers waiting for their next upload, or done
	// with their last, hold no flight each.
	ps.tally = e.flightOf(i).tally
	e.closeFlight(i)
	if c.state == stateHalted || e.runCtx.Err() != nil {
		return false
	}
	at, more := e.claimNext(i)
	if !more {
		return false
	}
	at += e.opts.After
	ps.late = at < end
	at = max(at, end)
	c.state, c.first = stateWaiting, at
	heap.Push(&e.sched, item{at: at, caller: int32(i), try: 1})
	return true
}

// periodicOutcome is periodic caller i's end: succeeded when every
// upload of it did, gave up when one did (its last upload's own state
// otherwise: halted, or still waiting when the run ended).
func (e *engine) periodicOutcome(i int, o reports.CallerOutcome) reports.CallerOutcome {
	ps := &e.per[i]
	o.UploadOnly, o.Accepted, o.AsyncState, o.AcceptedAt, o.CompletedAt = false, 0, reports.StateNone, 0, 0
	o.Succeeded = !ps.anyFailed && ps.anyOK && e.callers[i].state != stateWaiting && e.callers[i].state != stateHalted
	o.GaveUp = ps.anyFailed || e.callers[i].state == stateWaiting
	o.LoginFailed = !ps.anyOK && e.callers[i].state == stateLoginFailed
	o.Completion = ps.completion
	if !o.Succeeded {
		o.Completion = 0
	}
	return o
}
