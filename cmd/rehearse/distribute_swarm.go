package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// distributeSwarm is `rehearse distribute --engine swarm`: SCENARIO's
// shards as one Docker Swarm replicated job on this Docker engine (a swarm
// manager; rehearse never creates or leaves a swarm), started together,
// read back from the tasks' logs and merged into one report. Ctrl-C
// removes the service, its config and the image it built, as run removes
// its containers; a second one sweeps the run.
func (a *app) distributeSwarm(cmd *cobra.Command, f *distributeFlags, args []string) error {
	if f.emit != "" {
		return usage(cmd, errors.New("--emit writes manifests for --engine k8s; --engine swarm runs the shards itself"))
	}
	scs, err := loadScenarios(args, 1)
	if err != nil {
		return err
	}
	if len(scs) != 1 {
		return usage(cmd, fmt.Errorf("%s holds %d scenarios; distribute runs one", args[0], len(scs)))
	}
	sc := scs[0]
	opts, err := f.swarmOptions(a, cmd, sc)
	if err != nil {
		return err
	}
	a.warn(asRun(sc, opts.Target, nil))
	ctx := cmd.Context()
	stopFed, err := a.federateTasks(cmd, f, &opts)
	if err != nil {
		return err
	}
	defer stopFed()
	a.setRunID(opts.RunID)
	defer a.setRunID("")
	a.logf("run id %s, output %s", opts.RunID, opts.Out)
	res, err := distribute.Swarm(ctx, sc, opts)
	return a.mergedOutcome(ctx, sc, res, err)
}

// mergedOutcome prints a distributed run's merged report (when there is
// one) as run prints its own, and returns the command's outcome.
func (a *app) mergedOutcome(ctx context.Context, sc *scenarios.Scenario, res *harness.Result, err error) error {
	if res == nil {
		return err
	}
	if werr := views.WriteTable(a.stderr, res.Report); werr != nil {
		return errors.Join(err, werr)
	}
	a.logf("%s: %s, %s — %s", sc.Name, reports.VerdictText(res.Report), reports.ErrorRateText(res.Report), filepath.Join(res.Dir, reports.ReportHTML))
	return outcome(ctx, []*reports.Report{res.Report}, err)
}

// swarmOptions turns the flags into distribute.SwarmOptions; a bad
// value is a usage error. The target defaults to the scenario's sut.url;
// without --start-at the start is set --start-in after the shard image is
// built (distribute.DefaultStartIn when not given), not before.
func (f *distributeFlags) swarmOptions(a *app, cmd *cobra.Command, sc *scenarios.Scenario) (distribute.SwarmOptions, error) {
	opts := distribute.SwarmOptions{
		Shards: f.shards, Image: f.image, Target: f.target, AllowRemote: f.allowRemote,
		StartIn: f.startIn, CPU: f.cpu, Memory: f.memory, Out: f.out,
		RunID: harness.NewRunID(time.Now()), Logf: a.logf, Progress: a.swarmProgress(),
		PrometheusRW: f.prometheusRW,
	}
	switch {
	case f.apply || f.namespace != "":
		return opts, usage(cmd, errors.New("--apply and --namespace are for --engine k8s"))
	case f.metrics.linger < 0:
		return opts, usage(cmd, errors.New("--metrics-linger must be >= 0"))
	case f.prometheusRW != "":
		if err := harness.CheckRemoteWrite(f.prometheusRW); err != nil {
			return opts, usage(cmd, err)
		}
	}
	if opts.Target == "" {
		opts.Target = sc.SUT.URL
	}
	if opts.Target == "" {
		return opts, usage(cmd, errors.New("--engine swarm needs --target URL: where every shard sends, from the Docker host's network (e.g. http://127.0.0.1:8080)"))
	}
	if f.shards < 1 || f.shards > distribute.MaxShards {
		return opts, usage(cmd, fmt.Errorf("--shards must be 1..%d, got %d", distribute.MaxShards, f.shards))
	}
	at, err := f.startInstant(cmd, time.Now(), distribute.DefaultStartIn)
	if err != nil {
		return opts, err
	}
	if f.startAt != "" {
		opts.StartAt = at
	}
	if opts.Out == "" {
		opts.Out = harness.DefaultOut(time.Now())
	}
	return opts, nil
}

// swarmProgress prints a line whenever the shards' tasks change state. A
// task that exited non-zero may still have printed its result (a failed
// gate exits 1): the merge says which shards are missing.
func (a *app) swarmProgress() func(distribute.SwarmProgress) {
	return func(p distribute.SwarmProgress) {
		line := fmt.Sprintf("swarm tasks: %d pending, %d running, %d exited 0, %d exited otherwise (of %d)", p.Pending, p.Running, p.Complete, p.Failed, p.Tasks)
		if p.Why != "" {
			line += " — " + p.Why
		}
		a.logf("%s", line)
	}
}
