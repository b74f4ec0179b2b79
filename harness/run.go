package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/harness/storm"
	"github.com/rehearse-dev/rehearse/harness/sutrun"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Options configure Run. The zero value runs the scenario's own SUT in Docker
// and writes below DefaultOut(now).
type Options struct {
	// Out is the folder that receives one sub-folder per scenario.
	Out string
	// Runtime is "docker" (default) or "process" (uploadsvc as local processes).
	Runtime string
	// Target, when set, replaces the scenario's SUT with an already running
	// service at this URL (rehearse attack): no containers, no crash watch.
	Target string
	// AllowRemote lets Target be outside loopback.
	AllowRemote bool
	// Seed, when non-nil, overrides the scenario's seed.
	Seed *int64
	// Shard selects a deterministic part of the callers (--shard i/n).
	Shard storm.Shard
	// RunID labels every Docker object; "" makes a new one.
	RunID string
	// RepoRoot is this repository's root, for building the reference image;
	// "" finds it from the working directory.
	RepoRoot string
	// Logf receives human progress lines (never nil after defaults).
	Logf func(format string, args ...any)
	// Live, when set, is called about once a second with the storm's progress.
	Live func(name string, l reports.Live)
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
		o.Runtime = "docker"
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
	if opts.Seed != nil {
		cp := *sc
		cp.Seed = *opts.Seed
		sc = &cp
	}
	dir := filepath.Join(opts.Out, sc.Name)
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}

	suts := sc.SUT
	if opts.Target != "" {
		suts = scenarios.SUT{URL: opts.Target}
	}
	if suts.URL != "" {
		if err := storm.CheckTarget(ctx, suts.URL, opts.AllowRemote); err != nil {
			return nil, err
		}
	}

	sink := &sink{}
	depStart := time.Now()
	dep, err := sutrun.Start(ctx, suts, sutrun.Options{
		RunID:    opts.RunID,
		Name:     sc.Name,
		Runtime:  opts.Runtime,
		RepoRoot: opts.RepoRoot,
		Dir:      scenarioDir(sc),
		LogDir:   filepath.Join(dir, "logs"),
		Start:    depStart,
		Logf:     opts.Logf,
		OnEvent:  sink.event,
		OnSample: sink.sample,
	})
	// Cleanup is registered before the error check: Start returns what it
	// created so far together with its error.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
		defer cancel()
		if cerr := dep.Close(cctx); cerr != nil {
			opts.Logf("cleanup: %v (run `rehearse sweep`)", cerr)
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("start sut for %s: %w", sc.Name, err)
	}
	target := dep.Target()

	// The storm's clock starts now; SUT start-up is not part of the run.
	stormStart := time.Now()
	agg := reports.NewAggregator(stormStart)
	sink.attach(agg, stormStart.Sub(depStart))
	opts.Logf("%s: SUT ready at %s", sc.Name, target)

	logf, err := os.Create(filepath.Join(dir, reports.AttemptLogFile))
	if err != nil {
		return nil, fmt.Errorf("create attempt log: %w", err)
	}
	defer logf.Close()
	alog := reports.NewAttemptLog(logf)

	stormCtx, stopStorm := context.WithCancel(ctx)
	defer stopStorm()
	var wg sync.WaitGroup
	scheduleFaults(stormCtx, &wg, sc, dep, agg, stormStart, opts.Logf)
	if opts.Live != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-stormCtx.Done():
					return
				case <-tick.C:
					opts.Live(sc.Name, agg.Snapshot())
				}
			}
		}()
	}

	stats, err := storm.Run(ctx, sc, storm.Options{
		Target:      target,
		Start:       stormStart,
		Aggregator:  agg,
		AttemptLog:  alog,
		AllowRemote: opts.AllowRemote,
		Shard:       opts.Shard,
		Logf:        opts.Logf,
	})
	stopStorm()
	wg.Wait()
	if ferr := alog.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("write attempt log: %w", ferr)
	}
	if err != nil {
		return nil, fmt.Errorf("storm %s: %w", sc.Name, err)
	}

	rep := agg.Finish(time.Now())
	rep.Scenario = reports.ScenarioInfo{Name: sc.Name, File: sc.File, Seed: sc.Seed}
	rep.SUT = dep.Info()
	rep.ScenarioYAML = string(sc.Source)
	rep.Crashes = dep.Crashes()
	for i := range rep.Crashes.Events {
		rep.Crashes.Events[i].AtS -= stormStart.Sub(depStart).Seconds()
	}
	rep.Generator.CPUS = stats.CPUSeconds
	rep.Generator.Saturated = rep.Generator.Saturated || stats.Saturated
	rep.Interrupted = stats.Stopped == "interrupted"
	if rep.SUT.Runtime == "process" {
		rep.Notes = append(rep.Notes, "runtime process: uploadsvc ran as local processes; no resource limits applied")
	}
	if rep.Generator.Saturated {
		rep.Notes = append(rep.Notes, fmt.Sprintf("generator saturated (lag p99 %.1f ms, max %.1f ms): latencies include the generator's own delay", rep.Generator.LagP99Ms, rep.Generator.MaxLagMs))
	}
	if stats.Stopped == "max_duration" {
		rep.Notes = append(rep.Notes, fmt.Sprintf("stopped at run.max_duration (%s); unfinished callers count as gave up", sc.Run.MaxDuration.D()))
	}
	rep.Expect = reports.Verdict(sc.Expect)
	EvaluateGates(rep, sc.Gates)

	if err := WriteRunFolder(dir, rep); err != nil {
		return nil, err
	}
	res := &Result{Report: rep, Dir: dir}
	if rep.Interrupted {
		return res, fmt.Errorf("run %s: %w", sc.Name, ErrInterrupted)
	}
	return res, nil
}

// scheduleFaults starts one timer per fault and one for the upgrade; each
// fires at its offset from start unless ctx ends first.
func scheduleFaults(ctx context.Context, wg *sync.WaitGroup, sc *scenarios.Scenario, dep *sutrun.Deployment,
	agg *reports.Aggregator, start time.Time, logf func(string, ...any)) {
	at := func(d time.Duration, fn func()) {
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
	for _, f := range sc.Faults {
		at(f.At.D(), func() {
			if err := dep.Fault(ctx, string(f.Action), f.Target); err != nil {
				logf("fault %s %s at %s: %v", f.Action, f.Target, f.At.D(), err)
				agg.AddEvent(reports.Event{AtS: time.Since(start).Seconds(), Kind: "fault", Detail: fmt.Sprintf("%s %s failed: %v", f.Action, f.Target, err)})
			}
		})
	}
	if up := sc.Upgrade; up != nil {
		at(up.At.D(), func() {
			down0 := downtime(dep)
			agg.BeginCutover(string(up.Strategy), time.Since(start))
			err := dep.Upgrade(ctx, up.To, string(up.Strategy))
			if err != nil {
				logf("upgrade (%s) at %s: %v", up.Strategy, up.At.D(), err)
				agg.AddEvent(reports.Event{AtS: time.Since(start).Seconds(), Kind: "upgrade", Detail: "upgrade failed: " + err.Error()})
			}
			agg.EndCutover(time.Since(start), downtime(dep)-down0)
		})
	}
}

// scenarioDir is the folder relative paths in the scenario (sut.image.build)
// are resolved against.
func scenarioDir(sc *scenarios.Scenario) string {
	if sc.File == "" || strings.HasPrefix(sc.File, "builtin:") {
		return "."
	}
	return filepath.Dir(sc.File)
}

// sink forwards the deployment's events and samples to the aggregator once
// the storm's clock has started; events from start-up are kept and stamped 0.
// The deployment's clock starts before the storm's; shift converts.
type sink struct {
	mu      sync.Mutex
	agg     *reports.Aggregator
	shift   time.Duration
	pending []reports.Event
}

func (s *sink) attach(a *reports.Aggregator, shift time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.agg, s.shift = a, shift
	for _, e := range s.pending {
		e.AtS = 0
		a.AddEvent(e)
	}
	s.pending = nil
}

func (s *sink) event(e reports.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.agg == nil {
		s.pending = append(s.pending, e)
		return
	}
	e.AtS -= s.shift.Seconds()
	s.agg.AddEvent(e)
}

func (s *sink) sample(x reports.Sample) {
	s.mu.Lock()
	a, shift := s.agg, s.shift
	s.mu.Unlock()
	if a != nil {
		x.At -= shift
		a.AddSample(x)
	}
}

// downtime is the deployment's downtime so far, 0 when it is not measured.
func downtime(dep *sutrun.Deployment) float64 {
	if d := dep.Crashes().DowntimeS; d != nil {
		return *d
	}
	return 0
}
