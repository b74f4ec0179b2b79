package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
	"github.com/rehearse-dev/rehearse/scenarios"
)

const runLong = `run rehearses each SCENARIO end to end: it builds or finds the SUT image, starts
it with the scenario's resource limits, replays the caller storm, injects faults
and the upgrade on schedule, watches for crashes, removes every container it
started, and writes DIR/<scenario>/ (report.json, report.html, report.md,
junit.xml, attempts.csv, logs/). With several scenarios it also writes
DIR/summary.{md,json,html}.

SCENARIO is a YAML file, a folder of them, or a built-in name (rehearse list).

With --baseline A --candidate B it sends the same seeded traffic to both and
ends with the compare verdict (exit 1 only when the candidate is worse); with
--repeat N it runs A, B, A, B... N times each, every run in its own folder, and
the verdict rests on N runs a side (see rehearse compare --help).`

// runCmd is `rehearse run`: the full rehearsal, containers and all; the
// command most users start with.
func (a *app) runCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run [flags] SCENARIO...",
		Short: "Start the SUT in containers, replay the storm, watch, report",
		Long:  runLong,
		Example: `  rehearse run seed
  rehearse run --out out/ --scale 0.25 seed
  rehearse run --runtime process smoke
  rehearse run --baseline current.yaml --candidate next.yaml
  rehearse run --baseline seed-1-sync --candidate seed-4-async --repeat 5`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.baseline != "" || f.candidate != "" || cmd.Flags().Changed("repeat") {
				return a.baselineCandidate(cmd, &f, args)
			}
			if len(args) == 0 {
				return usage(cmd, errors.New("give at least one SCENARIO (a file, a folder or a built-in name; see `rehearse list`)"))
			}
			return a.runScenarios(cmd, &f, args)
		},
	}
	f.register(c, true)
	c.Flags().StringVar(&f.baseline, "baseline", "", "baseline scenario (current version), used with --candidate")
	c.Flags().StringVar(&f.candidate, "candidate", "", "candidate scenario (new version), used with --baseline")
	c.Flags().IntVar(&f.repeat, "repeat", 1, "with --baseline/--candidate: run each side N times, interleaved A, B, A, B (5 or more for a verdict CI can trust)")
	return c
}

// loadScenarios resolves every argument and reports all that fail at once;
// a scenario error or a bad --scale is a usage error (exit 2).
func loadScenarios(args []string, scale float64) ([]*scenarios.Scenario, error) {
	var all []*scenarios.Scenario
	var errs []error
	for _, arg := range args {
		scs, err := scenarios.Resolve(arg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, scs...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errext.WithExitCodeIfNone(err, errext.Usage)
	}
	if scale <= 0 {
		return nil, errext.WithExitCodeIfNone(fmt.Errorf("--scale must be > 0, got %v", scale), errext.Usage)
	}
	if scale != 1 {
		for i, sc := range all {
			all[i] = sc.Scaled(scale)
		}
	}
	seen := map[string]bool{}
	for _, sc := range all {
		if seen[sc.Name] {
			return nil, errext.WithExitCodeIfNone(fmt.Errorf("two scenarios are named %q; names must be unique in one run (they name the output folders)", sc.Name), errext.Usage)
		}
		seen[sc.Name] = true
	}
	return all, nil
}

// prepare does everything that can refuse a run before anything about it is
// printed (the scenarios, the flags and the targets), then prints the
// scenarios' warnings.
func (a *app) prepare(cmd *cobra.Command, f *runFlags, args []string) ([]*scenarios.Scenario, harness.Options, error) {
	scs, err := loadScenarios(args, f.scale)
	if err != nil {
		return nil, harness.Options{}, err
	}
	opts, err := f.options(a, cmd)
	if err != nil {
		return nil, opts, err
	}
	if err := checkTargets(cmd.Context(), scs, f); err != nil {
		return nil, opts, err
	}
	for _, sc := range scs {
		a.warn(asRun(sc, f.target, opts.Watch))
	}
	return scs, opts, nil
}

// asRun is sc as it will be run: with --target, the target and attack's
// --watch (nil without one) replace the scenario's SUT, so its warnings are
// those of a sut.url, watched or not (sut.tls still applies to the target).
func asRun(sc *scenarios.Scenario, target string, watch *scenarios.Watch) *scenarios.Scenario {
	if target == "" {
		return sc
	}
	cp := *sc
	cp.SUT = scenarios.SUT{URL: target, Watch: watch, TLS: sc.SUT.TLS}
	return &cp
}

// runScenarios runs each scenario in turn, then prints the table, writes
// the summary of several and turns the outcome into the exit code.
func (a *app) runScenarios(cmd *cobra.Command, f *runFlags, args []string) error {
	scs, opts, err := a.prepare(cmd, f, args)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	a.setRunID(opts.RunID)
	defer a.setRunID("")
	a.logf("run id %s, output %s", opts.RunID, opts.Out)

	reps, runErr := a.runEach(ctx, scs, f, opts)
	if len(reps) > 0 {
		if err := views.WriteTable(a.stderr, reps...); err != nil {
			return err
		}
	}
	if len(reps) > 1 {
		if err := harness.WriteSummary(opts.Out, reps); err != nil {
			return err
		}
		a.logf("summary: %s", filepath.Join(opts.Out, "summary.html"))
	}
	return outcome(ctx, reps, runErr)
}

// runEach runs the scenarios one after the other. An interrupted scenario
// still has its partial report; an error without a report stops the rest.
func (a *app) runEach(ctx context.Context, scs []*scenarios.Scenario, f *runFlags, opts harness.Options) ([]*reports.Report, error) {
	var reps []*reports.Report
	var runErr error
	for _, sc := range scs {
		if ctx.Err() != nil {
			break
		}
		res, err := a.runOne(ctx, sc, f, opts)
		if res != nil {
			reps = append(reps, res.Report)
		}
		if err != nil {
			runErr = err
			if !errors.Is(err, harness.ErrInterrupted) && res == nil {
				break
			}
		}
	}
	return reps, runErr
}

// runOne runs one scenario with its progress display and says its verdict.
func (a *app) runOne(ctx context.Context, sc *scenarios.Scenario, f *runFlags, opts harness.Options) (*harness.Result, error) {
	seed := sc.Seed
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	a.logf("%s: starting (%s)", sc.Name, describe(sc, f.target, seed))
	live, stop := a.progress(f.progress, sc)
	tlsLine := &firstTLS{logf: a.logf}
	opts.Live = func(name string, l reports.Live) {
		live(name, l)
		tlsLine.live(l)
	}
	res, err := harness.Run(ctx, sc, opts)
	stop()
	if res != nil {
		tlsLine.report(res.Report)
		a.logf("%s: %s, %s — %s", sc.Name, reports.VerdictText(res.Report), reports.ErrorRateText(res.Report), filepath.Join(res.Dir, reports.ReportHTML))
		if f.sharding.emit {
			if eerr := distribute.EmitShard(a.stdout, res.Dir); eerr != nil && err == nil {
				err = eerr
			}
		}
	}
	return res, err
}

// outcome is the exit of a run: its error, else interrupted (130), else a
// run whose load generator itself failed (3: its numbers are not the
// service's), else a failed expectation (1, already shown in the table),
// else pass.
func outcome(ctx context.Context, reps []*reports.Report, runErr error) error {
	if runErr != nil {
		return runErr
	}
	if ctx.Err() != nil {
		return errext.WithExitCodeIfNone(fmt.Errorf("interrupted: %w", ctx.Err()), errext.Interrupted)
	}
	var invalid []string
	for _, r := range reps {
		if r.Verdict == reports.VerdictInvalid {
			invalid = append(invalid, r.Scenario.Name)
		}
	}
	if len(invalid) > 0 {
		err := fmt.Errorf("%s: verdict invalid: the load generator itself failed, so the numbers do not describe the service", strings.Join(invalid, ", "))
		return errext.WithExitCodeIfNone(errext.WithHint(err, "the report's notes name the cause and the fix"), errext.Environment)
	}
	if err := partialOutcome(reps); err != nil {
		return err
	}
	for _, r := range reps {
		if !reports.MetExpectation(r) {
			return errext.WithExitCodeIfNone(errSilent, errext.Failed)
		}
	}
	return nil
}

// partialOutcome is the exit of merged reports that lack shards
// (reports/partial.go): 1 when a gate already failed on what arrived, else
// 3 — never 0, since the missing callers may hold what fails.
func partialOutcome(reps []*reports.Report) error {
	var partial []string
	failed := false
	for _, r := range reps {
		if r.Verdict == reports.VerdictPartial {
			partial = append(partial, r.Scenario.Name+": "+reports.PartialText(r))
			failed = failed || reports.PartialGateFailed(r)
		}
	}
	switch {
	case len(partial) == 0:
		return nil
	case failed:
		return errext.WithExitCodeIfNone(errSilent, errext.Failed) // the table shows the failed gate
	}
	err := fmt.Errorf("verdict partial: %s, so the figures hold only the callers of the shards that reported", strings.Join(partial, "; "))
	return errext.WithExitCodeIfNone(errext.WithHint(err, "find why the shard never reported (its log), then run it again and merge every shard"), errext.Environment)
}

// describe is the "starting (…)" line: what is stormed (target, when set,
// replaces the scenario's SUT), by how many callers, with which seed.
func describe(sc *scenarios.Scenario, target string, seed int64) string {
	kind := "reference"
	if sc.SUT.Reference != nil {
		kind += " " + sc.SUT.Reference.Mode
	}
	switch {
	case target != "":
		kind = "target " + target
	case sc.SUT.Image != nil:
		kind = "image " + sc.SUT.Image.Name
	case sc.SUT.URL != "":
		kind = "url " + sc.SUT.URL
	}
	return fmt.Sprintf("%s, %d callers, seed %d", kind, sc.Callers.Count, seed)
}
