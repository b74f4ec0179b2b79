package storm

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Options configure Run.
type Options struct {
	// Target is the base URL, e.g. http://127.0.0.1:8080.
	Target string
	// Start is the clock origin of every offset; zero means now.
	Start time.Time
	// Aggregator receives every attempt and caller outcome (required).
	Aggregator *reports.Aggregator
	// AttemptLog, when set, receives every attempt too.
	AttemptLog *reports.AttemptLog
	// AllowRemote lets Target be outside loopback.
	AllowRemote bool
	// Shard selects part of the callers.
	Shard Shard
	// Logf receives human progress lines; nil discards them.
	Logf func(format string, args ...any)
	// Pollers bounds the status polls of accepted uploads in flight; 0 or
	// less means 64.
	Pollers int
	// Only, when set, limits the storm to the callers it returns true for
	// (within the shard): data.restorm's invalidated callers.
	Only func(caller int) bool
	// After delays every first attempt by this much from Start, so a storm
	// that begins later (after an upgrade and a verify) keeps the run's
	// clock.
	After time.Duration
	// OnOutcome, when set, receives every caller's end as the aggregator
	// does (data.preload learns which callers' data was stored).
	OnOutcome func(reports.CallerOutcome)
}

// defaultPollers is what Options.Pollers 0 means.
const defaultPollers = 64

// Stats describe the generator itself.
type Stats struct {
	CPUSeconds float64
	// Saturated is true when the generator used more than 90% of the CPUs
	// it may use: its own delay is then in the latencies.
	Saturated bool
	Stopped   StopReason
	// Notes are remarks for the report (the harness copies them into
	// Report.Notes), e.g. a file limit the storm may not fit in.
	Notes []string
	// FileLimit is the open-file limit the storm ran under (after raising
	// the soft limit to the hard one); 0 when it could not be read.
	FileLimit uint64
	// Cores is the CPUs the generator may use (GOMAXPROCS).
	Cores int
	// InflightPeak is the most uploads in flight at once, each holding a
	// socket (status polls beside them are at most Options.Pollers).
	InflightPeak int64
	// PortsInUse is this machine's sockets to the target when the storm
	// ended (TIME_WAIT included, every process's), PortRange its
	// ephemeral ports (ports.go); 0 when not measured.
	PortsInUse, PortRange int64
	// Callers is the run's callers before sharding, every shard's (a
	// replay's: its logged callers), so a merge can say what share of
	// them a missing shard held.
	Callers int
}

// StopReason says why Run returned.
type StopReason string

// Stop reasons of Stats.Stopped.
const (
	StopDone        StopReason = "done"         // every caller reached its end
	StopInterrupted StopReason = "interrupted"  // Run's ctx ended
	StopMaxDuration StopReason = "max_duration" // run.max_duration ran out
	// StopAborted: a gate with abort stopped the storm (the harness's
	// hook cancels Run's ctx and names it so).
	StopAborted StopReason = "aborted"
)

// engine is one storm: the callers' states (caller.go), the schedule of
// their attempts (pacer.go), and the tracking of accepted uploads
// (poll.go). mu guards callers, fls, sched, waiting, untracked and rng.
type engine struct {
	sc     *scenarios.Scenario
	pop    *scenarios.Population
	opts   Options
	start  time.Time
	runCtx context.Context // ends at max_duration or when Run's ctx ends; set by begin
	base   *url.URL
	target string              // base as text, the prefix of every upload URL
	req    *scenarios.Requests // the upload's method, path, headers and body, compiled once
	wire   *wire.Client        // the uploads' client (package wire)
	// redirects follows 3xx answers to their Location (redirect.go).
	redirects *redirects
	http      *http.Transport // the status polls' and verify reads' client
	trk       *tracker        // nil when nothing is followed (api.completion: none)

	timeouts  []time.Duration // per caller class: its callers.timeout
	answerCap int             // answer bytes kept to read an upload's id (completion: body)
	head      bool            // the upload is a HEAD: its answers have no body
	how       *wire.Sending   // compressed, chunked, Expect: nil for the plain body (wire/body.go)
	jars      *jars           // the callers' cookies (api.cookies); nil when off
	sessions  *sessions       // the callers' logins and saved values (login.go); nil when none

	classes     []scenarios.ClassPlan // callers.classes resolved; one "default" when none declared
	idField     scenarios.FieldPath   // api.status.id_field (completion: body)
	statusField scenarios.FieldPath   // api.status_field

	mu      sync.Mutex
	callers []caller
	fls     flights  // the callers' uploads in progress (flights.go)
	sched   schedule // retries, by their time
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
	// firsts are the callers' first attempts by their time; nextFirst the
	// next one due. Pace takes the earlier of it and sched's top.
	firsts    []int32
	nextFirst int
	waiting   int // callers that may still send an attempt
	rng       *rand.Rand
	wake      chan struct{}
	ready     chan item   // from Pace to the storm loop (hit.go)
	timer     *time.Timer // Pace's, reused: Pace runs on one goroutine
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

// checkOptions fills opts' defaults and parses its target.
func checkOptions(ctx context.Context, opts Options) (Options, *url.URL, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Pollers <= 0 {
		opts.Pollers = defaultPollers
	}
	base, err := url.Parse(strings.TrimRight(opts.Target, "/"))
	if err != nil {
		return opts, nil, fmt.Errorf("storm: target: %w", err)
	}
	if !opts.AllowRemote {
		if err := loopbackOnly(ctx, base.Hostname()); err != nil {
			return opts, nil, fmt.Errorf("%w: target %s %v", ErrRemoteTarget, opts.Target, err)
		}
	}
	return opts, base, nil
}

// newEngine builds the population, the schedule of first attempts (this
// shard's callers only) and the transport, before the clock matters.
func newEngine(sc *scenarios.Scenario, opts Options, base *url.URL) (*engine, error) {
	pop, offsets, notes, err := population(sc)
	if err != nil {
		return nil, err
	}
	req, err := scenarios.NewRequests(sc, pop, nil) // nil: the ${NAME} secrets from the environment
	if err != nil {
		return nil, fmt.Errorf("storm: %w", err)
	}
	e := &engine{
		sc: sc, pop: pop, opts: opts, base: base,
		req:     req,
		target:  base.String(),
		callers: make([]caller, pop.Len()),
		rng:     rand.New(rand.NewPCG(uint64(sc.Seed), 0x7e7)),
		wake:    make(chan struct{}, 1),
		classes: pop.Classes(),
	}
	e.notes = notes
	if err := e.readMappings(); err != nil {
		return nil, err
	}
	e.policies = newPolicies(e.classes)
	e.firsts = make([]int32, 0, pop.Len())
	for i := range e.callers {
		if opts.Shard.has(pop.Ordinal(i)) && (opts.Only == nil || opts.Only(i)) {
			e.callers[i] = caller{state: stateWaiting, first: opts.After + offsets[i], class: uint8(pop.Class(i))}
			e.firsts = append(e.firsts, int32(i))
			e.waiting++
		}
	}
	if sc.Storm != nil {
		stormAt := offsets
		for i := range stormAt {
			stormAt[i] += sc.Storm.At.D()
		}
		e.initPeriodic(sc, stormAt)
	} else {
		e.initPeriodic(sc, nil)
	}
	if e.periodic != nil {
		req.SetUploads(func(caller int) int { return e.uploads(caller) - 1 })
	}
	// First attempts in order of their time (ties by caller): 4 bytes a
	// caller, where a heap item of each was 24 and more.
	slices.SortStableFunc(e.firsts, func(a, b int32) int { return cmp.Compare(e.callers[a].first, e.callers[b].first) })
	n := e.waiting
	e.ready = make(chan item, 1) // Pace hands one attempt, the storm loop takes it at once
	e.timeouts = e.classTimeouts()
	if sc.API.Completion == scenarios.CompletionBody {
		e.answerCap = maxAnswerBody
	}
	e.head = req.Method() == http.MethodHead
	e.how = wire.NewSending(sc)
	e.jars = newJars(sc.API.Cookies)
	if e.sessions = newSessions(sc, pop.Len()); e.sessions != nil {
		req.SetSessions(e.sessions.of)
	}
	if err := e.transports(n); err != nil {
		return nil, err
	}
	e.redirects = newRedirects(sc, base, e.wire, n, opts.AllowRemote)
	return e, nil
}

// transports builds the wire and the net/http transport of n callers over
// one TLS configuration (sut.tls); a run that verifies nothing gets the
// note every report then carries.
func (e *engine) transports(n int) error {
	var tc *tls.Config
	if e.base.Scheme == "https" {
		var err error
		if tc, err = TLSConfig(e.sc, e.base.Hostname(), n); err != nil {
			return err
		}
	}
	if t := e.sc.SUT.TLS; t != nil && t.Insecure {
		e.notes = append(e.notes, scenarios.TLSInsecureNote)
	}
	e.wire = wire.NewClient(e.base, n, e.sc.Callers.ConnectTimeout.D(), tc)
	e.http = newHTTPTransport(n, tc)
	return nil
}

// readMappings parses the dotted paths answers are read with; validate
// has already checked them, so an error here is a scenario built in code.
func (e *engine) readMappings() error {
	var err error
	if e.statusField, err = scenarios.ParseFieldPath(e.sc.API.StatusField); err != nil {
		return fmt.Errorf("storm: api.status_field: %w", err)
	}
	if st := e.sc.API.Status; st != nil && e.sc.API.Completion == scenarios.CompletionBody && st.IDField == "" && e.sc.API.Upload.HasSteps() {
		// The polls' path holds a {step.NAME}: no id is read from the answer.
	} else if st != nil && e.sc.API.Completion == scenarios.CompletionBody {
		if e.idField, err = scenarios.ParseFieldPath(st.IDField); err != nil {
			return fmt.Errorf("storm: api.status.id_field: %w", err)
		}
	} else if e.sc.API.Completion == scenarios.CompletionBody {
		return errors.New("storm: api.completion body needs api.status")
	}
	return nil
}

// classNames are the caller classes' names, by index.
func (e *engine) classNames() []string {
	names := make([]string, len(e.classes))
	for i, c := range e.classes {
		names[i] = c.Name
	}
	return names
}

// classTimeouts is each caller class's callers.timeout.
func (e *engine) classTimeouts() []time.Duration {
	out := make([]time.Duration, len(e.classes))
	for i, c := range e.classes {
		out[i] = c.Timeout.D()
	}
	return out
}

// timeout is caller's timeout, its class's. Only the caller's own
// attempt goroutine reads its class, which never changes.
func (e *engine) timeout(caller int) time.Duration { return e.timeouts[e.pop.Class(caller)] }

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

// cpuTime is the process's user and system CPU seconds so far.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
