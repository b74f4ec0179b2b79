package storm

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// engine is one storm, joining its parts as vegeta's Attacker joins its
// own: the targeter makes each attempt's request (targeter.go), the pacer
// makes attempts due from the schedule (pacer.go, schedule.go), the wire
// sends them (package wire), the attempt record carries what came back
// (attempt.go), and each caller class's policy decides what its callers
// do next (policy.go) — retry, wait for Retry-After, spend the budget,
// open the breaker — while the callers' states (caller.go) and the
// tracking of accepted uploads (poll.go) say what is left. mu guards
// callers, fls, the pacer's schedule, waiting, untracked and rng.
type engine struct {
	targeter // each attempt's request (targeter.go)
	pacer    // the attempts to come, and the hand-over of each when due (pacer.go)
	sc       *scenarios.Scenario
	opts     Options
	start    time.Time
	runCtx   context.Context // ends at max_duration or when Run's ctx ends; set by begin
	wire     *wire.Client    // the uploads' client (package wire)
	// redirects follows 3xx answers to their Location (redirect.go).
	redirects *redirects
	http      *http.Transport // the status polls' and verify reads' client
	trk       *tracker        // nil when nothing is followed (api.completion: none)

	jars     *jars     // the callers' cookies (api.cookies); nil when off
	sessions *sessions // the callers' logins and saved values (login.go); nil when none

	classes     []scenarios.ClassPlan // callers.classes resolved; one "default" when none declared
	idField     scenarios.FieldPath   // api.status.id_field (completion: body)
	statusField scenarios.FieldPath   // api.status_field

	mu      sync.Mutex
	callers []caller
	fls     flights // the callers' uploads in progress (flights.go)
	// accs are the accepted uploads followed to their end (poll.go), by
	// the index the tracker knows them by; one of periodic callers is
	// dropped when it ends.
	accs []*accepted
	// periodic is the schedule of callers that upload more than once
	// (callers.every or callers.uploads), per its state per caller
	// (periodic.go); nil when callers upload once.
	periodic scenarios.Schedule
	per      []periodicState
	stormAt  []time.Duration // storm.at's upload of each caller; nil without
	waiting  int             // callers that may still send an attempt
	rng      *rand.Rand
	// untracked counts 202s whose completion was not followed.
	untracked int64
	policies  []policy // per class: its retry, budget and breaker (policy.go)
	notes     []string // for Stats.Notes, from building the callers (a replay's)
	ports     int64    // sockets to the target at the storm's end (ports.go)
	portsOK   bool

	gcPercent              int          // the collector's, while the storm runs (gcheadroom.go); 0: as it is
	inflight, inflightPeak atomic.Int64 // uploads in flight, and their most (hit.go)
	polls                  pollCount    // the status polls (polls.go)
}

// Run replays sc's storm against opts.Target: Prepare, then
// Prepared.Run from opts.Start (zero: now) into opts.Aggregator.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (Stats, error) {
	p, err := Prepare(ctx, sc, opts)
	if err != nil {
		return Stats{}, err
	}
	return p.Run(ctx, opts.Start, opts.Aggregator)
}

// Prepared is a storm built and ready to send: its population, schedule,
// request templates and client. Building takes time that grows with the
// callers (tens of ms for 50,000): done before the storm's clock starts,
// it is not lag in the first attempts. A Prepared runs once.
type Prepared struct{ e *engine }

// Prepare builds sc's storm against opts.Target; opts.Start and
// opts.Aggregator are Run's. It fails before sending anything when the
// target is malformed or outside loopback (without AllowRemote), sc's
// api.completion is one it cannot follow (body), or sc's population or
// arrival profile cannot be built.
func Prepare(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Prepared, error) {
	opts, base, err := checkOptions(ctx, opts)
	if err != nil {
		return nil, err
	}
	release := holdGCWhileBuilding(sc.Callers.Count)
	e, err := newEngine(sc, opts, base)
	release()
	if err != nil {
		return nil, err
	}
	e.gcPercent = gcPercentAfterBuild(len(e.callers))
	return &Prepared{e: e}, nil
}

// Run sends the storm with start as the origin of every offset (zero:
// now), recording into agg (required). It returns when every caller is
// done (async uploads tracked to done, failed, or the drain timeout), at
// run.max_duration, or when ctx ends; in the last two cases what happened
// so far is still in agg and the error is nil.
func (p *Prepared) Run(ctx context.Context, start time.Time, agg *reports.Aggregator) (Stats, error) {
	e := p.e
	if agg == nil {
		return Stats{}, errors.New("storm: an Aggregator is required")
	}
	if start.IsZero() {
		start = time.Now()
	}
	defer holdGCHeadroom(e.gcPercent)()
	runCtx, cancel := context.WithTimeout(ctx, e.sc.Run.MaxDuration.D())
	defer cancel()
	e.begin(runCtx, start, agg)
	defer e.http.CloseIdleConnections()

	fileNotes, limit := e.checkFiles()
	notes := append(e.notes, fileNotes...)
	cpu0, wall0 := cpuTime(), time.Now()
	tracked := e.startTracking()
	e.storm()
	e.drain(tracked)
	if e.trk != nil && runCtx.Err() == nil {
		e.verifyListings()
	}
	e.report()

	st := Stats{Stopped: StopDone, CPUSeconds: cpuTime() - cpu0, Notes: notes, FileLimit: limit, Cores: runtime.GOMAXPROCS(0)}
	st.InflightPeak = e.inflightPeak.Load()
	st.Callers = e.runCallers()
	if r, ok := portRange(); ok && e.portsOK {
		st.PortsInUse, st.PortRange = e.ports, r
	}
	switch {
	case ctx.Err() != nil:
		st.Stopped = StopInterrupted
	case runCtx.Err() != nil:
		st.Stopped = StopMaxDuration
	}
	st.Saturated = st.CPUSeconds > 0.9*float64(runtime.GOMAXPROCS(0))*time.Since(wall0).Seconds()
	return st, nil
}

// runCallers is how many callers the run has over all shards: one past
// the highest ordinal (a replay's uploads share their caller's).
func (e *engine) runCallers() int {
	n := 0
	for i := range e.pop.Len() {
		n = max(n, e.pop.Ordinal(i)+1)
	}
	return n
}

// begin starts the engine's clock at start and its run at runCtx, and
// tells agg what the storm plans.
func (e *engine) begin(runCtx context.Context, start time.Time, agg *reports.Aggregator) {
	e.runCtx, e.start, e.opts.Aggregator = runCtx, start, agg
	if e.opts.AttemptLog != nil {
		e.opts.AttemptLog.SetCallerNames(func(dst []byte, c int32) []byte { return e.pop.AppendName(dst, int(c)) })
	}
	if e.sc.API.Completion.FollowsLocation() || e.sc.API.Completion == scenarios.CompletionBody {
		e.trk = newTracker(runCtx)
	}
	agg.SetPlanned(int64(e.waiting))
	if e.req.HasLogin() {
		agg.SetLogin()
	}
	if n := e.req.Steps(); n > 0 {
		names := make([]string, n)
		for i := range names {
			names[i] = e.req.StepName(i)
		}
		agg.SetSteps(names)
	}
	agg.SetClasses(e.classNames())
	if e.sc.API.Completion == scenarios.CompletionLocation || e.sc.API.Completion == scenarios.CompletionBody {
		// Declared asynchronous: the async section is present even when
		// nothing was accepted. Under auto it comes with the first 202.
		agg.SetAsync(true)
	}
}

// absorb records one attempt and moves its caller on. It runs on the
// attempt's goroutine: the engine's state is under mu, the aggregator
// and the attempt log lock their own.
func (e *engine) absorb(id attemptID, o *outcome, class reports.Class) {
	sent := o.began.Sub(e.start)
	end := sent + o.latency
	a, class := e.read(o, id, class, end)
	if o.badAnswer != "" {
		e.opts.Aggregator.AddBadAnswer(reports.BadAnswer{AtS: end.Seconds(), Caller: int32(id.caller),
			Status: int32(o.x.Code), Reason: e.redact(o.badAnswer), Body: e.redact(string(o.x.Answer[:min(len(o.x.Answer), 512)]))})
	}
	if o.err != nil && class != reports.ClassAborted {
		var hint string
		if class == reports.ClassTLS {
			hint = wire.TLSHint(o.err)
		}
		e.opts.Aggregator.AddErrorExample(class, reports.ErrorExample{AtS: end.Seconds(), Caller: int32(id.caller),
			Message: e.redact(o.err.Error()), Hint: hint})
	}
	e.mu.Lock()
	f := e.flightOf(id.caller)
	f.attempts++
	at := reports.Attempt{Caller: int32(id.caller), Try: id.try, Intended: f.intended + o.loggingIn, Sent: sent,
		Latency: o.latency, Status: int32(o.code()), Class: class, CallerClass: e.callers[id.caller].class, Resent: o.x.Resent, Redirects: uint8(o.hops),
		BytesOut: int64(o.x.BodyOut()), BytesIn: int64(o.x.BytesIn)}
	wake, finished := e.advance(id, class, end, a)
	how := e.endOf(id.caller)
	out, ended := e.reportEnded(id.caller, finished)
	e.mu.Unlock()
	if wake {
		e.signal()
	}
	e.record(at, finished, how)
	if ended {
		e.addOutcome(out)
	}
}

// record hands one attempt to the aggregator and the attempt log; a
// caller it ended, with how it ended.
func (e *engine) record(at reports.Attempt, finished bool, how reports.CallerEnd) {
	e.opts.Aggregator.AddAttempt(at)
	if finished {
		e.opts.Aggregator.CallerFinished(how)
	}
	if e.opts.AttemptLog != nil {
		// The log keeps its first error and Flush returns it to the
		// harness, which owns the log: one check there, not one per attempt.
		_ = e.opts.AttemptLog.Write(at)
	}
}
