package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
)

// localShards is `attack --shards N`: N copies of this program, each
// sending one shard of the callers with its own file descriptors and
// ports, all started at one instant a few seconds ahead, then merged. It
// proves on one box what a distributed run does across many.
func (a *app) localShards(cmd *cobra.Command, f *runFlags, args []string) error {
	n := f.sharding.shards
	if f.shard != "" || f.sharding.emit {
		return usage(cmd, fmt.Errorf("--shards %d runs its own shards: without --shard or --emit-result", n))
	}
	// The shards serve the live metrics, each on a port of its own; this
	// process serves their union at --metrics-addr (shardmetrics.go).
	metrics := f.metrics
	f.metrics = metricsFlags{}
	opts, err := f.options(a, cmd)
	f.metrics = metrics
	if err != nil {
		return err
	}
	shardAddrs, stop, err := a.federate(cmd, f, n)
	if err != nil {
		return err
	}
	defer stop()
	if opts.StartAt.IsZero() {
		opts.StartAt = time.Now().Add(3 * time.Second) // time for every process to load the scenario
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	work := filepath.Join(opts.Out, "shards")
	a.logf("running %d local shards, starting together at %s", n, opts.StartAt.Format(time.RFC3339Nano))
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	a.runShardProcs(cmd.Context(), exe, f, args, work, opts, n, shardAddrs)
	res, err := distribute.Merge(cmd.Context(), []string{work}, opts.Out, distribute.MergeOptions{Logf: a.logf})
	if err != nil {
		return err
	}
	return a.showMerged(cmd, res)
}

// runShardProcs starts the n shard processes and waits for all of them.
// A shard that fails is said here; the merge then names it as missing (a
// partial report is invalid). Ctrl-C reaches them too (same process
// group), and each writes its partial result.
func (a *app) runShardProcs(ctx context.Context, exe string, f *runFlags, args []string, work string, opts harness.Options, n int, metricsAddrs []string) {
	var wg sync.WaitGroup
	for i := range n {
		name := "shard-" + strconv.Itoa(i)
		argv := []string{"attack", "--target", f.target, "--shard", fmt.Sprintf("%d/%d", i, n),
			"--start-at", opts.StartAt.Format(time.RFC3339Nano), "--out", filepath.Join(work, name),
			"--progress", "none", "--scale", strconv.FormatFloat(f.scale, 'g', -1, 64), "--attempts-format", f.attempts.format}
		if f.allowRemote {
			argv = append(argv, "--allow-remote")
		}
		if metricsAddrs != nil {
			argv = append(argv, "--metrics-addr", metricsAddrs[i], "--metrics-linger", distribute.ShardMetricsLinger.String())
		}
		if f.metrics.rw != "" {
			argv = append(argv, "--prometheus-rw", f.metrics.rw)
		}
		if opts.Seed != nil {
			argv = append(argv, "--seed", strconv.FormatInt(*opts.Seed, 10))
		}
		c := exec.CommandContext(ctx, exe, append(argv, args...)...)
		c.WaitDelay = 10 * time.Second
		if logf, err := os.Create(filepath.Join(work, name+".log")); err == nil {
			c.Stdout, c.Stderr = logf, logf
			defer logf.Close()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Run()
			if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
				a.logf("shard %d/%d ended with %v (its log: %s)", i, n, err, filepath.Join(work, name+".log"))
			}
		}()
	}
	wg.Wait()
}
