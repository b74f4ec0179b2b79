package storm

import (
	"container/heap"
	"net/http"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// callerState is where a caller is in its life. An accepted caller's
// upload then has an end of its own, a reports.AsyncState.
type callerState string

// Caller states. stateNone is the zero value: a caller of another shard.
const (
	stateNone      callerState = ""
	stateWaiting   callerState = "waiting"   // an attempt is scheduled or in flight
	stateSucceeded callerState = "succeeded" // answered 2xx (and not tracked further)
	stateGaveUp    callerState = "gave_up"   // its last try failed, or the run ended first
	stateAccepted  callerState = "accepted"  // answered 202 with a Location that is followed (poll.go)
	// stateHalted: the generator failed its attempt on this machine (out of
	// files, ports, a local dial error): neither succeeded nor gave up.
	stateHalted callerState = "halted"
	// stateLoginFailed: its login never succeeded (login.go), so it sent
	// no upload.
	stateLoginFailed callerState = "login_failed"
)

// caller is the engine's record of one caller, guarded by engine.mu.
type caller struct {
	state      callerState
	async      reports.AsyncState // the accepted upload's end; StateNone while tracked
	try        int32
	intended   time.Duration // of the current try
	first      time.Duration // first try's intended time
	location   string
	uploadID   string // completion: body; {upload.id} in the polls' headers
	gone       uint8  // status polls in a row answered 404 (poll.go)
	acceptedAt time.Duration
	completed  time.Duration
	completion time.Duration
	attempts   int32
	listed     int32 // uploads the SUT's listing holds for this caller

	// Client behaviour (retry.go).
	class           uint8 // index into engine.classes
	fails           int32 // failed attempts in a row, for the breaker
	budgetDenied    bool  // its class's retry budget refused its retry
	breakerOpens    int32
	retryAfterWaits int32
}

// advance moves the caller of attempt id on after that attempt ended at
// offset end with class and the answer's facts (answer.go): it succeeds,
// its upload is tracked (a.follow: a 202's Location, or the status path of
// the id its answer named), it retries or it ends. wake says the pacer
// must look at the schedule again; finished that the caller reached its
// end. Call it with e.mu held.
func (e *engine) advance(id attemptID, class reports.Class, end time.Duration, a answer) (wake, finished bool) {
	c := &e.callers[id.caller]
	code := a.code
	switch {
	case class == reports.ClassNone && a.follow != "":
		c.state, c.location, c.uploadID, c.acceptedAt = stateAccepted, a.follow, a.uploadID, end
		e.trk.add(id.caller, end)
	case class == reports.ClassNone:
		if code == http.StatusAccepted {
			e.untracked++ // accepted for later, and nobody looks: its fate is unknown
		}
		c.state, c.completion, c.completed = stateSucceeded, end-c.first, end
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
	e.waiting--
	return e.waiting == 0, finished
}

// outcome is caller i's end as the aggregator counts it.
func (c *caller) outcome(i int) reports.CallerOutcome {
	o := reports.CallerOutcome{Caller: int32(i), Attempts: c.attempts, CallerClass: c.class,
		BudgetDenied: c.budgetDenied, BreakerOpens: c.breakerOpens, RetryAfterWaits: c.retryAfterWaits}
	switch c.state {
	case stateSucceeded:
		o.Succeeded, o.Completion = true, c.completion
	case stateAccepted:
		o.Accepted = max(1, c.listed)
		o.AcceptedAt = c.acceptedAt
		o.AsyncState = c.async
		switch c.async {
		case reports.StateDone:
			o.Succeeded, o.Completion, o.CompletedAt = true, c.completion, c.completed
		case reports.StateFailed:
			o.CompletedAt = c.completed
			o.GaveUp = true
		}
	case stateHalted:
		// Neither: the generator stopped it (Generator.Errors).
	case stateLoginFailed:
		o.LoginFailed = true
	default: // waiting (the run ended first) or gave up
		o.GaveUp = true
	}
	return o
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
	outcomes := make([]reports.CallerOutcome, 0, e.waiting)
	for i := range e.callers {
		if e.callers[i].state == stateNone {
			continue // another shard's caller
		}
		outcomes = append(outcomes, e.callers[i].outcome(i))
	}
	if e.pop.Replayed() {
		byLoggedCaller(outcomes, e.pop.Ordinal)
	}
	for _, o := range outcomes {
		// After byLoggedCaller: a shard's result (OnOutcome) counts logged
		// callers as its report does, so a merge of shards does too.
		if e.opts.OnOutcome != nil {
			e.opts.OnOutcome(o)
		}
		e.opts.Aggregator.AddCaller(o)
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

// end is how the caller ended, for the live view: as outcome will count
// it at the run's end.
func (c *caller) end() reports.CallerEnd {
	switch {
	case c.state == stateSucceeded, c.state == stateAccepted && c.async == reports.StateDone:
		return reports.EndSucceeded
	case c.state == stateGaveUp, c.state == stateAccepted && c.async == reports.StateFailed:
		return reports.EndGaveUp
	}
	return reports.EndOther
}
