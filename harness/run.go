package harness

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Runtime is where the SUT runs: RuntimeDocker (default) or RuntimeProcess
// (uploadsvc as local processes, no limits).
type Runtime = sutrun.Runtime

// Runtimes of Options.Runtime.
const (
	RuntimeDocker  = sutrun.RuntimeDocker
	RuntimeProcess = sutrun.RuntimeProcess
)

// Options configure Run. The zero value runs the scenario's own SUT in Docker
// and writes below DefaultOut(now).
type Options struct {
	// Out is the folder that receives one sub-folder per scenario.
	Out string
	// Runtime is where the SUT runs; "" is RuntimeDocker.
	Runtime Runtime
	// Target, when set, replaces the scenario's SUT with an already running
	// service at this URL (rehearse attack): no containers, no crash watch,
	// so crash counts are not measured (null in the report).
	Target string
	// Watch, with Target, follows the containers of that service that
	// someone else started (attack --watch): crashes, OOM kills, restarts.
	Watch *scenarios.Watch
	// AllowRemote lets Target be outside loopback.
	AllowRemote bool
	// StartAt, when set, is the instant the storm starts at: every shard
	// of a distributed run waits for the same one (--start-at). One in the
	// past is refused.
	StartAt time.Time
	// ShardResult writes shard.json beside attempts.csv (always done with
	// Shard.Count > 1): what `rehearse merge` needs.
	ShardResult bool
	// Version is the running binary's, recorded in shard results: shards
	// of different binaries are not merged.
	Version string
	// Seed, when non-nil, overrides the scenario's seed.
	Seed *int64
	// Shard selects a deterministic part of the callers (--shard i/n).
	Shard storm.Shard
	// RunID labels every Docker object; "" makes a new one.
	RunID string
	// RepoRoot is this repository's root, for building the reference image
	// when the running program cannot serve as it (see ServeFromSelf); ""
	// finds it from the working directory.
	RepoRoot string
	// Logf receives human progress lines (never nil after defaults).
	Logf func(format string, args ...any)
	// Live, when set, is called about once a second with the storm's progress.
	Live func(name string, l reports.Live)
	// Metrics, when set, shows the storm as live Prometheus metrics
	// (ServeMetrics); the caller closes it after the last scenario.
	Metrics *Metrics
	// Attempts is what the attempt log keeps (--attempts): the zero value
	// keeps every attempt. A shard keeps every attempt: merge needs them.
	Attempts reports.AttemptsMode
	// AttemptsPlain writes attempts.csv instead of attempts.csv.gz
	// (--attempts-format csv).
	AttemptsPlain bool
}

func (o *Options) defaults() {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Out == "" {
		o.Out = DefaultOut(time.Now())
	}
	if o.RunID == "" {
		o.RunID = NewRunID(time.Now())
	}
	if o.Runtime == "" {
		o.Runtime = RuntimeDocker
	}
}

// Result is one scenario's outcome: its report and the folder it was written to.
type Result struct {
	Report *reports.Report
	Dir    string
}

// ErrInterrupted is returned (wrapped) when the context was cancelled during
// a run; the partial report has still been written.
var ErrInterrupted = errors.New("interrupted")

// Run rehearses one scenario end to end: it starts the SUT, runs the storm,
// injects faults and the upgrade on schedule, watches the containers, removes
// everything it started, evaluates the gates and writes the run folder
// (report.json, report.html, report.md, junit.xml, attempts.csv, logs/).
// The Result is returned whenever a report was written, also together with
// an error: ErrInterrupted when ctx was cancelled mid-run. Errors before the
// storm (a scenario or environment problem) return a nil Result.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Result, error) {
	opts.defaults()
	r, err := prepare(ctx, sc, opts)
	if err != nil {
		return nil, err
	}
	if err := r.resetSUT(ctx); err != nil {
		return nil, err
	}
	dep, err := r.startSUT(ctx)
	// Cleanup is registered before the error check: Start returns what it
	// created so far together with its error.
	defer r.closeSUT(ctx, dep)
	if err != nil {
		return nil, fmt.Errorf("start sut for %s: %w", r.sc.Name, err)
	}
	data, err := r.preload(ctx, dep.Target())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.sc.Name, err)
	}
	r.data = data
	stats, err := r.storm(ctx, dep)
	if err != nil {
		return nil, fmt.Errorf("storm %s: %w", r.sc.Name, err)
	}
	r.verify(ctx, r.data, dep.Target(), scenarios.VerifyEnd) // data.verify: end, after the drain
	if ctx.Err() == nil {
		// A crash in the storm's last moments reaches the engine's event
		// stream after the callers saw it: take in everything up to the
		// storm's end before the report is assembled.
		dep.Settle(ctx, r.stormEnd)
	}
	rep := r.assemble(dep, stats)
	if err := WriteRunFolder(r.dir, rep); err != nil {
		return nil, err
	}
	if r.opts.Shard.Count > 1 || r.opts.ShardResult {
		if err := r.writeShard(rep); err != nil {
			return nil, err
		}
	}
	res := &Result{Report: rep, Dir: r.dir}
	if rep.Interrupted {
		return res, fmt.Errorf("run %s: %w", r.sc.Name, ErrInterrupted)
	}
	return res, nil
}

// rehearsal is one Run in progress: what prepare decided and what the
// later steps share.
type rehearsal struct {
	sc    *scenarios.Scenario
	opts  Options
	dir   string
	sut   scenarios.SUT
	tls   *tls.Config // how the health checks reach an https target (sut.tls); nil for http
	notes []string    // for the report, gathered before the storm

	sink       *sink
	depStart   time.Time // the deployment's clock
	stormStart time.Time // the storm's clock: every offset in the report
	stormEnd   time.Time // when the storm's last caller ended
	agg        *reports.Aggregator
	data       *dataRun // the callers' existing data (data.go)
	restormed  *int64   // callers the storm sent after the verify (data.restorm)

	mu     sync.Mutex
	deploy *deployOutcome // the upgrade command's outcome (deploy.go)

	aborted      *abortHit            // the abort gate that stopped the storm (abort.go)
	lateMs       float64              // how late after Options.StartAt the storm began
	callersTotal int                  // the run's callers over all shards (storm.Stats.Callers), for shard.json
	outcomes     outcomes             // every caller's end, for a shard result (shard.go)
	attempts     *reports.AttemptsLog // what the attempt log holds, once the storm closed it
}

// prepare applies the options to the scenario, creates the run folder,
// refuses a bad target before anything is started, and clears this host
// of dead runs' containers.
func prepare(ctx context.Context, sc *scenarios.Scenario, opts Options) (*rehearsal, error) {
	if opts.Seed != nil {
		cp := *sc
		cp.Seed = *opts.Seed
		sc = &cp
	}
	r := &rehearsal{sc: sc, opts: opts, dir: filepath.Join(opts.Out, sc.Name), sut: sc.SUT, sink: &sink{}}
	if opts.Target != "" {
		r.sut = scenarios.SUT{URL: opts.Target, Watch: opts.Watch}
	}
	if w := r.sut.Watch; w != nil && w.Health == "" && r.sut.Health != "" {
		// sut.health is the watch's downtime probe unless it names its own.
		cp := *w
		cp.Health = r.sut.Health
		r.sut.Watch = &cp
	}
	if r.sut.URL != "" {
		if err := storm.CheckTarget(ctx, r.sut.URL, opts.AllowRemote); err != nil {
			return nil, err
		}
		var err error
		if r.tls, err = targetTLS(sc, r.sut.URL); err != nil {
			return nil, err
		}
	}
	if err := checkDeploy(sc); err != nil {
		return nil, err
	}
	if opts.Attempts.Kind != "" && opts.Attempts.Kind != reports.AttemptsAll && (opts.Shard.Count > 1 || opts.ShardResult) {
		return nil, fmt.Errorf("%w: --attempts %s on a shard: rehearse merge rebuilds the run from every attempt of every shard, so a shard keeps them all (--attempts all)",
			scenarios.ErrInvalid, opts.Attempts)
	}
	if at := opts.StartAt; !at.IsZero() && time.Until(at) < -time.Second {
		return nil, fmt.Errorf("%w: --start-at %s is %s in the past; every shard must wait for the same future instant",
			scenarios.ErrInvalid, at.Format(time.RFC3339), time.Since(at).Round(time.Second))
	}
	if err := os.MkdirAll(filepath.Join(r.dir, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}
	if r.sut.URL == "" && opts.Runtime == RuntimeDocker {
		r.notes = append(r.notes, clearHost(ctx, opts.RunID, opts.Logf)...)
	}
	return r, nil
}

// startSUT starts the scenario's SUT (nothing for a URL) and waits until
// it is healthy.
func (r *rehearsal) startSUT(ctx context.Context) (*sutrun.Deployment, error) {
	r.depStart = time.Now()
	return sutrun.Start(ctx, r.sut, sutrun.Options{
		RunID:    r.opts.RunID,
		Name:     r.sc.Name,
		Runtime:  r.opts.Runtime,
		RepoRoot: r.opts.RepoRoot,
		Dir:      scenarioDir(r.sc),
		LogDir:   filepath.Join(r.dir, "logs"),
		Start:    r.depStart,
		Logf:     r.opts.Logf,
		OnEvent:  r.sink.event,
		OnSample: r.sink.sample,
		TLS:      r.tls,
	})
}

// targetTLS is how the harness's own requests (health, readiness) reach
// target: over the storm's TLS for an https one (sut.tls), nil for http.
func targetTLS(sc *scenarios.Scenario, target string) (*tls.Config, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("parse target: %w", err)
	}
	if u.Scheme != "https" {
		return nil, nil
	}
	return storm.TLSConfig(sc, u.Hostname(), 4)
}

// closeSUT removes everything the deployment started, even when ctx was
// cancelled (Ctrl-C): cleanup gets its own minute.
func (r *rehearsal) closeSUT(ctx context.Context, dep *sutrun.Deployment) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	if err := dep.Close(cctx); err != nil {
		r.opts.Logf("cleanup: %v (run `rehearse sweep`)", err)
	}
}

// storm runs the callers against the started SUT, with the faults, the
// upgrade and the live progress on their own goroutines, and streams every
// attempt into the aggregator and attempts.csv.
func (r *rehearsal) storm(ctx context.Context, dep *sutrun.Deployment) (storm.Stats, error) {
	alog, err := reports.CreateAttemptLog(r.dir, reports.AttemptLogOptions{Mode: r.opts.Attempts, Seed: r.sc.Seed, Plain: r.opts.AttemptsPlain})
	if err != nil {
		return storm.Stats{}, err
	}
	defer func() { r.attempts = alog.Info() }()
	defer alog.Close()
	target := dep.Target()
	opts := storm.Options{Target: target, AttemptLog: alog, AllowRemote: r.opts.AllowRemote, Shard: r.opts.Shard, Logf: r.opts.Logf}
	if r.opts.Shard.Count > 1 || r.opts.ShardResult {
		opts.OnOutcome = r.outcomes.add
	}
	// The storm is built before its clock starts (a restorm's only once
	// the data is read back, on the clock): building is not lag.
	var prepared *storm.Prepared
	if !r.restorms() {
		if prepared, err = storm.Prepare(ctx, r.sc, opts); err != nil {
			return storm.Stats{}, err
		}
	}
	// The storm's clock starts now, or at the shards' common barrier; SUT
	// start-up is not part of the run.
	start, late, err := r.waitForBarrier(ctx)
	if err != nil {
		return storm.Stats{}, err
	}
	r.stormStart, r.lateMs = start, late
	r.agg = reports.NewAggregator(r.stormStart)
	defer r.liveMetrics(ctx, dep)()
	r.sink.attach(r.agg, r.stormStart.Sub(r.depStart))
	r.opts.Logf("%s: SUT ready at %s", r.sc.Name, target)

	stormCtx, stopStorm := context.WithCancel(ctx)
	defer stopStorm()
	// An abort gate stops the callers, not the rehearsal: the report is
	// still written, with the gate that stopped it (abort.go).
	callersCtx, abortStorm := context.WithCancelCause(ctx)
	defer abortStorm(nil)
	var wg sync.WaitGroup
	scheduleFaults(stormCtx, &wg, r.sc, dep, r.agg, r.stormStart, r.opts.Logf)
	r.scheduleUpgrade(stormCtx, &wg, dep, r.data)
	r.live(stormCtx, &wg)
	if prepared == nil {
		r.restormOnly(stormCtx, &opts)
		if prepared, err = storm.Prepare(ctx, r.sc, opts); err != nil {
			stopStorm()
			wg.Wait()
			return storm.Stats{}, err
		}
	}
	SetWindows(r.agg, r.sc, opts.After)
	ab := newAborter(r.sc, r.agg, r.stormStart, opts.After)
	if ab != nil {
		ab.watch(stormCtx, &wg, abortStorm, r.opts.Logf)
	}
	stats, err := prepared.Run(callersCtx, r.stormStart, r.agg)
	r.stormEnd = time.Now()
	if r.aborted = ab.result(); r.aborted != nil && ctx.Err() == nil {
		stats.Stopped = storm.StopAborted
	}
	stopStorm()
	wg.Wait()
	if ferr := alog.Close(); ferr != nil && err == nil {
		err = fmt.Errorf("write attempt log: %w", ferr)
	}
	return stats, err
}

// live reports the storm's progress about once a second until ctx ends.
func (r *rehearsal) live(ctx context.Context, wg *sync.WaitGroup) {
	if r.opts.Live == nil {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				r.opts.Live(r.sc.Name, r.agg.Snapshot())
			}
		}
	}()
}

// assemble turns what the storm and the watch measured into the report:
// the aggregator's figures, the SUT, the crash ledger on the storm's clock,
// the notes that qualify any figure, then the gates and the verdict.
func (r *rehearsal) assemble(dep *sutrun.Deployment, stats storm.Stats) *reports.Report {
	rep := r.agg.Finish(r.stormEnd)
	rep.Scenario = reports.ScenarioInfo{Name: r.sc.Name, File: r.sc.File, Seed: r.sc.Seed}
	rep.SUT = dep.Info()
	rep.ScenarioYAML = string(r.sc.Source)
	rep.Crashes = dep.Crashes()
	for i := range rep.Crashes.Events {
		rep.Crashes.Events[i].AtS -= r.stormStart.Sub(r.depStart).Seconds()
	}
	rep.Generator.CPUS = stats.CPUSeconds
	r.callersTotal = stats.Callers
	generatorLimits(rep, stats)
	rep.Generator.Saturated = rep.Generator.Saturated || stats.Saturated
	rep.Interrupted = stats.Stopped == storm.StopInterrupted
	rep.Notes = append(rep.Notes, r.notes...)
	rep.Notes = append(rep.Notes, dep.Notes()...)
	rep.Notes = append(rep.Notes, stats.Notes...)
	rep.Notes = append(rep.Notes, r.measurementNotes(rep, stats)...)
	rep.AttemptsLog = r.attempts
	switch {
	case r.attempts.Sampled():
		rep.Notes = append(rep.Notes, "the attempt log holds "+r.attempts.SampleText()+" (--attempts); this report's figures are of every attempt")
	case r.attempts != nil && r.attempts.Mode == reports.AttemptsNone:
		rep.Notes = append(rep.Notes, "no attempt log was written (--attempts none): compare draws no latency CDF of this run, and report --format vegeta has nothing to export")
	}
	rep.Expect = reports.Verdict(r.sc.Expect)
	rep.Data = r.data.report(r.restormed)
	EvaluateGates(rep, r.sc.Gates, r.sc.Signature)
	applyAbort(rep, r.aborted)
	r.mu.Lock()
	if g := deployGate(r.deploy); g != nil {
		rep.Gates = append(rep.Gates, *g)
		if rep.Verdict == reports.VerdictPass || rep.Verdict == reports.VerdictNoGates {
			rep.Verdict = reports.VerdictFail
		}
	}
	r.mu.Unlock()
	return rep
}

// measurementNotes say what qualifies the report's figures.
func (r *rehearsal) measurementNotes(rep *reports.Report, stats storm.Stats) []string {
	var notes []string
	if !rep.Crashes.Measured() {
		notes = append(notes, "crashes, OOM kills, restarts and downtime were not measured: rehearse did not start this service and watches no container of it")
	}
	if rep.SUT.Runtime == string(RuntimeProcess) {
		notes = append(notes, "runtime process: uploadsvc ran as local processes; no resource limits applied")
	}
	if rep.Generator.Saturated {
		notes = append(notes, fmt.Sprintf("generator saturated (lag p99 %.1f ms, max %.1f ms): latencies include the generator's own delay", rep.Generator.LagP99Ms, rep.Generator.MaxLagMs))
	}
	for _, st := range rep.Generator.Stalls {
		notes = append(notes, fmt.Sprintf("the generator stalled at %.0f s: %d of the %d attempts of that second left up to %.1f ms late (not sustained, so not saturated; their latencies include it)", st.AtS, st.Late, st.Attempts, st.MaxLagMs))
	}
	if stats.Stopped == storm.StopMaxDuration {
		notes = append(notes, fmt.Sprintf("stopped at run.max_duration (%s); unfinished callers count as gave up, accepted uploads not yet done as pending", r.sc.Run.MaxDuration.D()))
	}
	if rep.AsyncUntracked > 0 {
		notes = append(notes, fmt.Sprintf("%d uploads were accepted (202) and not tracked (api.completion: none): whether they completed or were lost is not measured", rep.AsyncUntracked))
	}
	if rep.Async != nil && rep.Async.Pending > 0 {
		notes = append(notes, fmt.Sprintf("%d accepted uploads were still pending when the run stopped before its drain ended; they are not counted as lost", rep.Async.Pending))
	}
	return notes
}

// scheduleFaults starts one timer per fault; each fires at its offset
// from start unless ctx ends first.
func scheduleFaults(ctx context.Context, wg *sync.WaitGroup, sc *scenarios.Scenario, dep *sutrun.Deployment,
	agg *reports.Aggregator, start time.Time, logf func(string, ...any)) {
	for _, f := range sc.Faults {
		atOffset(ctx, wg, start, f.At.D(), func() {
			if err := dep.Fault(ctx, string(f.Action), f.Target); err != nil {
				logf("fault %s %s at %s: %v", f.Action, f.Target, f.At.D(), err)
				agg.AddEvent(reports.Event{AtS: time.Since(start).Seconds(), Kind: reports.EventFault, Detail: fmt.Sprintf("%s %s failed: %v", f.Action, f.Target, err)})
			}
		})
	}
}

// atOffset runs fn on its own goroutine (counted in wg) at offset d from
// start, unless ctx ends first.
func atOffset(ctx context.Context, wg *sync.WaitGroup, start time.Time, d time.Duration, fn func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(time.Until(start.Add(d)))
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			fn()
		}
	}()
}

// scenarioDir is the folder relative paths in the scenario (sut.image.build)
// are resolved against.
func scenarioDir(sc *scenarios.Scenario) string {
	if sc.File == "" || strings.HasPrefix(sc.File, "builtin:") {
		return "."
	}
	return filepath.Dir(sc.File)
}

// downtime is the deployment's downtime so far, 0 when it is not measured.
func downtime(dep *sutrun.Deployment) float64 {
	if d := dep.Crashes().DowntimeS; d != nil {
		return *d
	}
	return 0
}
