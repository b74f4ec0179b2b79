package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

// app is one invocation of the CLI. It owns stdout and stderr: the packages
// below it only write to what it hands them.
type app struct {
	stdout, stderr io.Writer
	// clock is the one clock of the human output (progress.go).
	clock stormClock

	mu    sync.Mutex
	runID string // set while a run may own Docker objects

	metrics       liveMetrics // live metrics (metrics.go), closed when the command is done
	metricsLinger time.Duration
}

func newApp(stdout, stderr io.Writer) *app { return &app{stdout: stdout, stderr: stderr} }

// execute runs the command line and returns the process exit code. It is
// the only place that prints an error, so each is printed once.
func (a *app) execute(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	printError(a.stderr, err)
	a.closeMetrics(ctx)
	return exitCode(err)
}

const rootLong = `rehearse starts the service under test in containers, replays thousands of
simulated callers' re-upload storms against it (each caller with its own data,
timeout and retry policy), watches for crashes, OOM kills, restarts, downtime
and lost work, and writes reports people read and CI gates on.

Quick start:
  rehearse list                      built-in scenarios
  rehearse run seed                  replay the seed story (4 scenarios side by side)
  rehearse validate my.yaml          check a scenario without Docker
  rehearse attack --target http://127.0.0.1:8080 my.yaml
  rehearse compare old/ new/         baseline vs candidate, with a statistical verdict
  rehearse capacity my.yaml          the largest load at which every gate holds

Exit codes: 0 pass, 1 a gate failed or a regression, 2 usage or scenario error,
3 environment error (Docker, image build, unreachable target), 130 interrupted.`

// rootCmd builds the command tree. Errors are printed by execute, not by
// cobra (SilenceErrors), and a usage error prints its usage line as a hint
// rather than the whole help (SilenceUsage).
func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "rehearse",
		Short:         "Rehearse an upgrade under your callers' realistic traffic",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion(),
		// Runnable, so that cobra checks the root's arguments with
		// unknownCommand instead of its own message-only error.
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	// --version and `rehearse version` print the same text.
	root.SetVersionTemplate(versionText())
	root.SuggestionsMinimumDistance = 2
	root.AddCommand(a.runCmd(), a.attackCmd(), a.compareCmd(), a.reportCmd(), a.validateCmd(),
		a.listCmd(), a.sweepCmd(), a.imagesCmd(), a.versionCmd(), a.historyCmd(), a.importCmd(), a.mergeCmd(), a.distributeCmd(), a.capacityCmd())
	usageErrors(root)
	return root
}

// runFlags are the flags run and attack share.
type runFlags struct {
	out         string
	seed        int64
	runtime     string
	scale       float64
	shard       string
	progress    string
	target      string
	watch       []string // attack --watch label=K=V | name=N
	allowRemote bool
	baseline    string
	candidate   string
	metrics     metricsFlags
	repeat      int
	sharding    shardingFlags // --start-at, --start-in; attack: --emit-result, --shards
	attempts    attemptsFlags // --attempts, --attempts-format
}

func (f *runFlags) register(c *cobra.Command, withSUT bool) {
	c.Flags().StringVar(&f.out, "out", "", "output folder (default ./rehearsals/<UTC timestamp>)")
	c.Flags().Int64Var(&f.seed, "seed", 0, "override the scenario's seed (same seed + same file = same callers, payloads, schedule)")
	c.Flags().Float64Var(&f.scale, "scale", 1, "scale callers.count and the arrival window by this factor (e.g. 0.25 in CI)")
	c.Flags().StringVar(&f.shard, "shard", "", "send only shard i of n of the callers, as i/n (caller k is in shard k mod n), e.g. 0/4 on the first of 4 machines; each shard writes its own report of its share")
	c.Flags().StringVar(&f.progress, "progress", "auto", "progress display: auto | tty | plain | none")
	f.metrics.register(c, f, withSUT)
	f.sharding.register(c, !withSUT)
	f.attempts.register(c)
	if withSUT {
		c.Flags().StringVar(&f.runtime, "runtime", "docker", "where the SUT runs: docker | process (local uploadsvc processes, no limits)")
	}
}

// options turns the flags into harness.Options; a bad flag value is a usage
// error of cmd.
func (f *runFlags) options(a *app, cmd *cobra.Command) (harness.Options, error) {
	opts := harness.Options{
		Out:         f.out,
		Runtime:     harness.Runtime(f.runtime),
		Target:      f.target,
		AllowRemote: f.allowRemote,
		RunID:       harness.NewRunID(time.Now()),
		Logf:        a.logf,
	}
	if cmd.Flags().Changed("seed") {
		s := f.seed
		opts.Seed = &s
	}
	if opts.Out == "" {
		opts.Out = harness.DefaultOut(time.Now())
	}
	if f.runtime != "" && f.runtime != "docker" && f.runtime != "process" {
		return opts, usage(cmd, fmt.Errorf("--runtime must be docker or process, got %q", f.runtime))
	}
	sh, err := harness.ParseShard(f.shard)
	if err != nil {
		return opts, usage(cmd, err)
	}
	opts.Shard = sh
	if opts.Watch, err = parseWatch(f.watch); err != nil {
		return opts, usage(cmd, err)
	}
	switch f.progress {
	case "auto", "tty", "plain", "none":
	default:
		return opts, usage(cmd, fmt.Errorf("--progress must be auto, tty, plain or none, got %q", f.progress))
	}
	if err := f.sharding.apply(cmd, &opts); err != nil {
		return opts, err
	}
	if err := f.attempts.apply(cmd, f, &opts); err != nil {
		return opts, err
	}
	return opts, a.startMetrics(cmd, f, &opts)
}

// setRunID records the run that may own Docker objects, for
// emergencyCleanup; "" when none does.
func (a *app) setRunID(id string) {
	a.mu.Lock()
	a.runID = id
	a.mu.Unlock()
}

// emergencyCleanup removes this run's Docker objects after a second
// interrupt, when the harness's own deferred cleanup will not get to run.
func (a *app) emergencyCleanup() {
	a.mu.Lock()
	id := a.runID
	a.mu.Unlock()
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := harness.Sweep(ctx, harness.SweepOptions{RunID: id}); err != nil {
		printError(a.stderr, errext.WithHint(fmt.Errorf("clean up run %s: %w", id, err), "run `rehearse sweep`"))
	}
}
