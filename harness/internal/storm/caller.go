package storm

import (
	"container/heap"
	"net/http"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// callerState is where a caller is in its life. An accepted caller's
// upload then has an end of its own, a reports.AsyncState.
type callerState uint8

// Caller states. stateNone is the zero value: a caller of another shard.
const (
	stateNone      callerState = iota
	stateWaiting               // an attempt is scheduled or in flight
	stateSucceeded             // answered 2xx (and not tracked further)
	stateGaveUp                // its last try failed, or the run ended first
	stateAccepted              // answered 202 with a Location that is followed (poll.go)
	// stateHalted: the generator failed its attempt on this machine (out of
	// files, ports, a local dial error): neither succeeded nor gave up.
	stateHalted
	// stateLoginFailed: its login never succeeded (login.go), so it sent
	// no upload.
	stateLoginFailed
	// stateReported: it ended during the storm and its outcome has gone
	// to the aggregator (reportEnded): nothing of it is kept but this.
	stateReported
)

// caller is the engine's record of one caller, guarded by engine.mu. A
// storm holds one per caller for its whole run, so it is 16 bytes: what
// only an upload in progress needs is in its flight, made when the
// upload's first attempt is due and let go when the caller's outcome has
// gone to the aggregator (a caller that succeeded or gave up at once
// holds nothing after that).
type caller struct {
	first time.Duration // its current upload's first intended send
	fl    int32         // its flight: index in engine.flights + 1; 0 when it has none
	state callerState
	class uint8 // index into engine.classes
}

// flight is a caller's upload in progress, and what the caller has done
// so far that its outcome counts (tally).
type flight struct {
	acc        *accepted     // its accepted upload, followed to its end; nil until then
	intended   time.Duration // of the current try
	completion time.Duration
	try        int32
	tally
}

// tally is what a caller's outcome counts of its client behaviour
// (retry.go, policy.go). A periodic caller keeps it between uploads (periodic.go),
// as a client keeps its breaker.
type tally struct {
	attempts        int32
	fails           int32 // failed attempts in a row, for the breaker
	breakerOpens    int32
	retryAfterWaits int32
	budgetDenied    bool // its class's retry budget refused its retry
}

// accepted is a caller's upload the service accepted for later (202) and
// the storm follows to its end (poll.go, listings.go).
type accepted struct {
	caller     int32
	first      time.Duration // its upload's first intended send
	location   string
	uploadID   string             // completion: body; {upload.id} in the polls' headers
	async      reports.AsyncState // its end; StateNone while tracked
	acceptedAt time.Duration
	completed  time.Duration
	gone       uint8 // status polls in a row answered 404
	listed     int32 // uploads the SUT's listing holds for this caller
}

// outcome is an accepted upload's end as one upload of a caller whose
// outcome is counted apart (callers.every).
func (a *accepted) outcome(class uint8) reports.CallerOutcome {
	o := reports.CallerOutcome{Caller: a.caller, UploadOnly: true, Accepted: 1, AsyncState: a.async, AcceptedAt: a.acceptedAt, CallerClass: class}
	if a.async == reports.StateDone || a.async == reports.StateFailed {
		o.CompletedAt = a.completed
	}
	return o
}

// advance moves the caller of attempt id on after that attempt ended at
// offset end with class and the answer's facts (answer.go): it succeeds,
// its upload is tracked (a.follow: a 202's Location, or the status path of
// the id its answer named), it retries or it ends. wake says the pacer
// must look at the schedule again; finished that the caller reached its
// end. Call it with e.mu held.
func (e *engine) advance(id attemptID, class reports.Class, end time.Duration, a answer) (wake, finished bool) {
	c, f := &e.callers[id.caller], e.flightOf(id.caller)
	code := a.code
	switch {
	case class == reports.ClassNone && a.follow != "":
		acc := &accepted{location: a.follow, uploadID: a.uploadID, acceptedAt: end, first: c.first, caller: int32(id.caller)}
		c.state, f.acc = stateAccepted, acc
		e.accs = append(e.accs, acc)
		e.trk.add(len(e.accs)-1, end)
	case class == reports.ClassNone:
		if code == http.StatusAccepted {
			e.untracked++ // accepted for later, and nobody looks: its fate is unknown
		}
		c.state, f.completion = stateSucceeded, end-c.first
		finished = true
	case class == reports.ClassAborted:
		// The run stopped under this attempt: the caller's story ends with
		// the run, not with the service failing it.
		c.state = stateHalted
		finished = true
	case class.Generator():
		// The generator failed this attempt, not the service: a retry would
		// measure the generator again, and "gave up" would blame the
		// service. The caller ends here, counted in the report's generator
		// errors, which make the run invalid.
		c.state = stateHalted
		finished = true
	default:
		if next, ok := e.retry(id, class, end, a.retryAfter); ok {
			heap.Push(&e.sched, next)
			return e.sched[0] == next, false // the pacer sleeps until a later attempt
		}
		c.state = stateGaveUp
		finished = true
	}
	if e.periodic != nil && e.again(id.caller, end) {
		return true, false // its next upload is in the schedule
	}
	e.waiting--
	return e.waiting == 0, finished
}

// outcome is caller i's end as the aggregator counts it. Call it with
// e.mu held.
func (e *engine) outcome(i int) reports.CallerOutcome {
	c := &e.callers[i]
	var f flight
	if p := e.flightOf(i); p != nil {
		f = *p
	} else if e.per != nil {
		f.tally = e.per[i].tally // a periodic caller between uploads
	}
	o := reports.CallerOutcome{Caller: int32(i), Attempts: f.attempts, CallerClass: c.class,
		BudgetDenied: f.budgetDenied, BreakerOpens: f.breakerOpens, RetryAfterWaits: f.retryAfterWaits}
	switch {
	case c.state == stateAccepted && f.acc == nil:
		// A periodic caller whose last upload was accepted: that upload's
		// end is its own (poll.go), the caller's is periodicOutcome's.
		return o
	case c.state == stateSucceeded:
		o.Succeeded, o.Completion = true, f.completion
	case c.state == stateAccepted:
		a := f.acc
		o.Accepted = max(1, a.listed)
		o.AcceptedAt = a.acceptedAt
		o.AsyncState = a.async
		switch a.async {
		case reports.StateDone:
			o.Succeeded, o.Completion, o.CompletedAt = true, f.completion, a.completed
		case reports.StateFailed:
			o.CompletedAt = a.completed
			o.GaveUp = true
		}
	case c.state == stateHalted:
		// Neither: the generator stopped it (Generator.Errors).
	case c.state == stateLoginFailed:
		o.LoginFailed = true
	default: // waiting (the run ended first) or gave up
		o.GaveUp = true
	}
	return o
}

// reportEnded takes the outcome of caller i, which has just ended
// (finished), for the aggregator at once and lets its flight go, so a
// storm keeps nothing of the callers it is done with. Not a caller whose
// outcome may still change or is counted with others': an accepted
// upload (its listing is checked after the drain, listings.go), a periodic
// caller (its outcome is its uploads'), a replay's (grouped by logged
// caller at the end). ok says whether it did. Call it with e.mu held and
// hand o to addOutcome once e.mu is released.
func (e *engine) reportEnded(i int, finished bool) (o reports.CallerOutcome, ok bool) {
	c := &e.callers[i]
	if !finished || c.state == stateAccepted || e.periodic != nil || e.pop.Replayed() {
		return o, false
	}
	o = e.outcome(i)
	o.Ended = true
	e.closeFlight(i)
	c.state = stateReported
	return o, true
}

// addOutcome hands one caller's outcome to Options.OnOutcome and the
// aggregator.
func (e *engine) addOutcome(o reports.CallerOutcome) {
	if e.opts.OnOutcome != nil {
		e.opts.OnOutcome(o)
	}
	e.opts.Aggregator.AddCaller(o)
}

// report hands every caller's outcome and the untracked 202s to the
// aggregator. Call it after drain: every tracked upload has its end.
func (e *engine) report() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.untracked > 0 {
		e.opts.Aggregator.AddUntracked(e.untracked)
	}
	if e.trk != nil {
		e.opts.Aggregator.SetPolls(e.polls.stats())
	}
	// Outcomes go to the aggregator one by one, never held all at once —
	// but a replay's, whose uploads are grouped by logged caller first.
	var outcomes []reports.CallerOutcome
	if e.periodic != nil {
		for _, a := range e.accs { // accepted uploads not ended while followed: their end is the drain's
			if a != nil {
				e.opts.Aggregator.AddCaller(a.outcome(e.callers[a.caller].class))
			}
		}
	}
	for i := range e.callers {
		if st := e.callers[i].state; st == stateNone || st == stateReported {
			continue // another shard's caller, or one reported when it ended
		}
		o := e.outcome(i)
		if e.periodic != nil {
			o = e.periodicOutcome(i, o)
		}
		if e.pop.Replayed() {
			outcomes = append(outcomes, o) // OnOutcome after byLoggedCaller, below
			continue
		}
		e.addOutcome(o)
	}
	if e.pop.Replayed() {
		byLoggedCaller(outcomes, e.pop.Ordinal)
	}
	for _, o := range outcomes {
		// After byLoggedCaller: a shard's result (OnOutcome) counts logged
		// callers as its report does, so a merge of shards does too.
		e.addOutcome(o)
	}
}

// byLoggedCaller makes a replay's outcomes count logged callers, not
// uploads: the first upload of each logged caller (ordinal) carries the
// caller's outcome — succeeded when all its uploads did, gave up when one
// did, its completion the slowest upload's — and the others are marked
// UploadOnly (their async states still count, one per upload).
func byLoggedCaller(outcomes []reports.CallerOutcome, ordinal func(int) int) {
	first := map[int]int{} // logged caller -> index in outcomes of its carrier
	for i := range outcomes {
		o := &outcomes[i]
		k, ok := first[ordinal(int(o.Caller))]
		if !ok {
			first[ordinal(int(o.Caller))] = i
			continue
		}
		c := &outcomes[k]
		c.Attempts += o.Attempts
		c.Succeeded = c.Succeeded && o.Succeeded
		c.GaveUp = c.GaveUp || o.GaveUp
		c.Completion = max(c.Completion, o.Completion)
		if !c.Succeeded {
			c.Completion = 0
		}
		o.UploadOnly = true
	}
}

// endOf is how caller i ended, for the live view: as outcome counts it.
// Call it with e.mu held.
func (e *engine) endOf(i int) reports.CallerEnd {
	c := &e.callers[i]
	var async reports.AsyncState
	if f := e.flightOf(i); f != nil && f.acc != nil {
		async = f.acc.async
	}
	switch {
	case c.state == stateSucceeded, c.state == stateAccepted && async == reports.StateDone:
		return reports.EndSucceeded
	case c.state == stateGaveUp, c.state == stateAccepted && async == reports.StateFailed:
		return reports.EndGaveUp
	}
	return reports.EndOther
}
