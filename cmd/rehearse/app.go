package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/storm"
	"github.com/rehearse-dev/rehearse/harness/sutrun"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// app is one invocation of the CLI. It owns stdout and stderr.
type app struct {
	stdout, stderr io.Writer

	mu    sync.Mutex
	runID string // set while a run may own Docker objects
}

func newApp(stdout, stderr io.Writer) *app { return &app{stdout: stdout, stderr: stderr} }

// execute runs the command line and returns the process exit code.
func (a *app) execute(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) || ee.err != errSilent {
		fmt.Fprintf(a.stderr, "rehearse: %v\n", err)
	}
	if !errors.As(err, &ee) && isUsageError(err) {
		return exitUsage
	}
	return exitCode(err)
}

// errSilent marks an exit code whose explanation was already printed.
var errSilent = errors.New("see above")

func isUsageError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "rehearse",
		Short: "Rehearse an upgrade under your callers' realistic traffic",
		Long: `rehearse starts the service under test in containers, replays thousands of
simulated callers' re-upload storms against it (each caller with its own data,
timeout and retry policy), watches for crashes, OOM kills, restarts, downtime
and lost work, and writes reports people read and CI gates on.

Quick start:
  rehearse list                      built-in scenarios
  rehearse run seed                  replay the seed story (4 scenarios side by side)
  rehearse validate my.yaml          check a scenario without Docker
  rehearse attack --target http://127.0.0.1:8080 my.yaml
  rehearse compare old/ new/         baseline vs candidate, with a statistical verdict

Exit codes: 0 pass, 1 a gate failed or a regression, 2 usage or scenario error,
3 environment error (Docker, image build, unreachable target), 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.AddCommand(a.runCmd(), a.attackCmd(), a.compareCmd(), a.reportCmd(), a.validateCmd(),
		a.listCmd(), a.sweepCmd(), a.imagesCmd())
	return root
}

// runFlags are shared by run and attack.
type runFlags struct {
	out         string
	seed        int64
	runtime     string
	scale       float64
	shard       string
	progress    string
	target      string
	allowRemote bool
	baseline    string
	candidate   string
}

func (f *runFlags) register(c *cobra.Command, withSUT bool) {
	c.Flags().StringVar(&f.out, "out", "", "output folder (default ./rehearsals/<UTC timestamp>)")
	c.Flags().Int64Var(&f.seed, "seed", 0, "override the scenario's seed (same seed + same file = same callers, payloads, schedule)")
	c.Flags().Float64Var(&f.scale, "scale", 1, "scale callers.count and the arrival window by this factor (e.g. 0.25 in CI)")
	c.Flags().StringVar(&f.shard, "shard", "", "run only shard i of n of the callers, as i/n (e.g. 0/4); results merge")
	c.Flags().StringVar(&f.progress, "progress", "auto", "progress display: auto | tty | plain | none")
	if withSUT {
		c.Flags().StringVar(&f.runtime, "runtime", "docker", "where the SUT runs: docker | process (local uploadsvc processes, no limits)")
	}
}

func (a *app) runCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run [flags] SCENARIO...",
		Short: "Start the SUT in containers, replay the storm, watch, report",
		Long: `run rehearses each SCENARIO end to end: it builds or finds the SUT image, starts
it with the scenario's resource limits, replays the caller storm, injects faults
and the upgrade on schedule, watches for crashes, removes every container it
started, and writes DIR/<scenario>/ (report.json, report.html, report.md,
junit.xml, attempts.csv, logs/). With several scenarios it also writes
DIR/summary.{md,json,html}.

SCENARIO is a YAML file, a folder of them, or a built-in name (rehearse list).

With --baseline A --candidate B it sends the same seeded traffic to both and
ends with the compare verdict (exit 1 on a significant regression).`,
		Example: `  rehearse run seed
  rehearse run --out out/ --scale 0.25 seed
  rehearse run --runtime process smoke
  rehearse run --baseline current.yaml --candidate next.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.baseline != "" || f.candidate != "" {
				return a.baselineCandidate(cmd, &f, args)
			}
			if len(args) == 0 {
				return &exitError{exitUsage, errors.New("run needs at least one SCENARIO (a file, a folder or a built-in name; see `rehearse list`)")}
			}
			return a.runScenarios(cmd, &f, args)
		},
	}
	f.register(c, true)
	c.Flags().StringVar(&f.baseline, "baseline", "", "baseline scenario (current version), used with --candidate")
	c.Flags().StringVar(&f.candidate, "candidate", "", "candidate scenario (new version), used with --baseline")
	return c
}

func (a *app) attackCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "attack --target URL [flags] SCENARIO",
		Short: "Replay the storm against a service that is already running (no containers)",
		Long: `attack replays SCENARIO's caller storm against --target, a service you started
yourself. No containers are started and no crashes are watched; the report's
crash fields are present and zero. The target must be on loopback unless
--allow-remote is given: one typo must not point thousands of callers at
production.`,
		Example: `  rehearse attack --target http://127.0.0.1:8080 storm-async`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.target == "" {
				return &exitError{exitUsage, errors.New("attack needs --target URL (e.g. --target http://127.0.0.1:8080)")}
			}
			return a.runScenarios(cmd, &f, args)
		},
	}
	f.register(c, false)
	c.Flags().StringVar(&f.target, "target", "", "base URL of the running service (required)")
	c.Flags().BoolVar(&f.allowRemote, "allow-remote", false, "allow a target outside loopback (127.0.0.0/8, ::1)")
	return c
}

// loadScenarios resolves every argument; scenario errors map to exit 2.
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
		return nil, &exitError{exitUsage, err}
	}
	if scale <= 0 {
		return nil, &exitError{exitUsage, fmt.Errorf("--scale must be > 0, got %v", scale)}
	}
	if scale != 1 {
		for i, sc := range all {
			all[i] = sc.Scaled(scale)
		}
	}
	seen := map[string]bool{}
	for _, sc := range all {
		if seen[sc.Name] {
			return nil, &exitError{exitUsage, fmt.Errorf("two scenarios are named %q; names must be unique in one run (they name the output folders)", sc.Name)}
		}
		seen[sc.Name] = true
	}
	return all, nil
}

func (f *runFlags) options(a *app, cmd *cobra.Command) (harness.Options, error) {
	opts := harness.Options{
		Out:         f.out,
		Runtime:     f.runtime,
		Target:      f.target,
		AllowRemote: f.allowRemote,
		RunID:       harness.NewRunID(time.Now()),
		Logf:        logger(a.stderr),
	}
	if cmd.Flags().Changed("seed") {
		s := f.seed
		opts.Seed = &s
	}
	if opts.Out == "" {
		opts.Out = harness.DefaultOut(time.Now())
	}
	if f.runtime != "" && f.runtime != "docker" && f.runtime != "process" {
		return opts, &exitError{exitUsage, fmt.Errorf("--runtime must be docker or process, got %q", f.runtime)}
	}
	if f.shard != "" {
		sh, err := parseShard(f.shard)
		if err != nil {
			return opts, &exitError{exitUsage, err}
		}
		opts.Shard = sh
	}
	return opts, nil
}

func parseShard(s string) (storm.Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || cnt < 1 || idx < 0 || idx >= cnt {
		return storm.Shard{}, fmt.Errorf("--shard must be i/n with 0 <= i < n, got %q", s)
	}
	return storm.Shard{Index: idx, Count: cnt}, nil
}

// runScenarios runs each scenario in turn and writes the summary.
func (a *app) runScenarios(cmd *cobra.Command, f *runFlags, args []string) error {
	scs, err := loadScenarios(args, f.scale)
	if err != nil {
		return err
	}
	opts, err := f.options(a, cmd)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if f.target == "" && opts.Runtime == "docker" {
		a.reportLeftovers(ctx)
	}
	a.setRunID(opts.RunID)
	defer a.setRunID("")
	opts.Logf("run id %s, output %s", opts.RunID, opts.Out)

	var reps []*reports.Report
	var runErr error
	for _, sc := range scs {
		if ctx.Err() != nil {
			break
		}
		opts.Logf("%s: starting (%s)", sc.Name, describe(sc, f))
		stop := a.progress(f.progress, sc, &opts)
		res, err := harness.Run(ctx, sc, opts)
		stop()
		if res != nil {
			reps = append(reps, res.Report)
			opts.Logf("%s: %s — %s", sc.Name, reports.VerdictText(res.Report), filepath.Join(res.Dir, harness.ReportHTML))
		}
		if err != nil {
			runErr = err
			if !errors.Is(err, harness.ErrInterrupted) && res == nil {
				break
			}
		}
	}
	if len(reps) > 0 {
		if err := reports.WriteTable(a.stderr, reps...); err != nil {
			return err
		}
	}
	if len(reps) > 1 {
		if err := harness.WriteSummary(opts.Out, reps); err != nil {
			return err
		}
		opts.Logf("summary: %s", filepath.Join(opts.Out, "summary.html"))
	}
	if runErr != nil {
		return runErr
	}
	if ctx.Err() != nil {
		return &exitError{exitInterrupted, fmt.Errorf("interrupted: %w", ctx.Err())}
	}
	for _, r := range reps {
		if !reports.MetExpectation(r) {
			return &exitError{exitFail, errSilent}
		}
	}
	return nil
}

func describe(sc *scenarios.Scenario, f *runFlags) string {
	kind := "reference " + func() string {
		if sc.SUT.Reference != nil {
			return sc.SUT.Reference.Mode
		}
		return ""
	}()
	switch {
	case f.target != "":
		kind = "target " + f.target
	case sc.SUT.Image != nil:
		kind = "image " + sc.SUT.Image.Name
	case sc.SUT.URL != "":
		kind = "url " + sc.SUT.URL
	}
	return fmt.Sprintf("%s, %d callers, seed %d", kind, sc.Callers.Count, sc.Seed)
}

// progress starts the live display for one scenario and returns its stop.
func (a *app) progress(mode string, sc *scenarios.Scenario, opts *harness.Options) func() {
	tty := false
	if file, ok := a.stderr.(*os.File); ok {
		tty = term.IsTerminal(int(file.Fd()))
	}
	switch mode {
	case "none":
		opts.Live = nil
		return func() {}
	case "tty":
		tty = true
	case "plain":
		tty = false
	}
	if os.Getenv("CI") == "true" {
		tty = false
	}
	p := reports.NewProgress(a.stderr, tty, int64(sc.Callers.Count))
	opts.Live = func(_ string, l reports.Live) { p.Update(l) }
	return p.Close
}

func (a *app) setRunID(id string) {
	a.mu.Lock()
	a.runID = id
	a.mu.Unlock()
}

// emergencyCleanup removes this run's Docker objects after a second interrupt.
func (a *app) emergencyCleanup() {
	a.mu.Lock()
	id := a.runID
	a.mu.Unlock()
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sutrun.SweepRun(ctx, id); err != nil {
		fmt.Fprintf(a.stderr, "rehearse: cleanup of run %s failed: %v; run `rehearse sweep`\n", id, err)
	}
}

// reportLeftovers names objects a killed run left behind.
func (a *app) reportLeftovers(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	left, err := sutrun.Leftovers(cctx)
	if err != nil || len(left) == 0 {
		return
	}
	fmt.Fprintf(a.stderr, "rehearse: %d Docker objects from earlier runs are still here (%s); `rehearse sweep` removes them\n",
		len(left), strings.Join(left, ", "))
}
