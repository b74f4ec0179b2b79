package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

// federateEvery is how often the federation scrapes the shards between
// scrapes of its own.
const federateEvery = time.Second

// federate serves --metrics-addr for `--shards N`: each shard serves its
// own series on a loopback port, and this process the union of the
// shards' (each series with its shard label), kept from their last scrape
// once they ended. It returns the shards' addresses (nil without
// --metrics-addr) and a stop that lingers as --metrics-linger says.
func (a *app) federate(cmd *cobra.Command, f *runFlags, n int) ([]string, func(), error) {
	if f.metrics.addr == "" {
		return nil, func() {}, nil
	}
	addrs, targets := make([]string, n), make([]string, n)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, errext.WithExitCodeIfNone(err, errext.Environment)
		}
		addrs[i] = ln.Addr().String()
		targets[i] = "http://" + addrs[i] + "/metrics"
		_ = ln.Close() // the shard listens there: a port this machine just gave out
	}
	stop, err := a.serveFederation(cmd, f.metrics, f.allowRemote, targets, "shards")
	if err != nil {
		return nil, nil, err
	}
	return addrs, stop, nil
}

// serveFederation serves at m.addr the union of targets' series (each a
// shard's), scraping them every federateEvery, and returns what stops
// the scraping and hands the federation to closeMetrics, which keeps it
// up m.linger after the command, as a run's exporter. A bad or remote
// address is a usage error, a busy one an environment error.
func (a *app) serveFederation(cmd *cobra.Command, m metricsFlags, allowRemote bool, targets []string, what string) (func(), error) {
	fed, err := harness.ServeFederation(m.addr, allowRemote, targets)
	switch {
	case errors.Is(err, harness.ErrMetricsRemote):
		return nil, usage(cmd, errext.WithHint(err, "serve on 127.0.0.1, or give --allow-remote to expose the metrics beyond this machine"))
	case errors.Is(err, harness.ErrMetricsAddr):
		return nil, usage(cmd, err)
	case err != nil:
		return nil, errext.WithExitCodeIfNone(fmt.Errorf("%w (--metrics-addr)", err), errext.Environment)
	}
	a.logf("metrics: http://%s/metrics (the %d %s' series)", fed.Addr(), len(targets), what)
	ctx, cancel := context.WithCancel(cmd.Context())
	done := make(chan struct{})
	go func() { defer close(done); fed.Watch(ctx, federateEvery) }()
	return func() {
		cancel()
		<-done
		a.mu.Lock()
		a.metrics, a.metricsLinger = fed, m.linger
		a.mu.Unlock()
	}, nil
}

// federateTasks serves --metrics-addr for distribute --engine swarm: task i
// serves its series on 127.0.0.1:base+i (the tasks share this host's
// network; --metrics-port-by-shard), and this process their union, as
// for local shards. base is a run of free ports below the ephemeral
// range, so the shards' own connections do not take them first.
func (a *app) federateTasks(cmd *cobra.Command, f *distributeFlags, opts *distribute.SwarmOptions) (func(), error) {
	if f.metrics.addr == "" {
		return func() {}, nil
	}
	base, err := freePortRun(opts.Shards)
	if err != nil {
		return nil, errext.WithExitCodeIfNone(fmt.Errorf("--metrics-addr: %w", err), errext.Environment)
	}
	targets := make([]string, opts.Shards)
	for i := range targets {
		targets[i] = fmt.Sprintf("http://127.0.0.1:%d/metrics", base+i)
	}
	stop, err := a.serveFederation(cmd, f.metrics, f.allowRemote, targets, "tasks")
	if err != nil {
		return nil, err
	}
	opts.MetricsPortBase = base
	return stop, nil
}

// freePortRun is the first of n consecutive loopback ports none listens
// on, from a random start in 20000..32767 (below Linux's ephemeral
// range); it tries 20 starts.
func freePortRun(n int) (int, error) {
	for range 20 {
		base := 20000 + rand.IntN(32768-20000-n)
		free := true
		for p := base; p < base+n && free; p++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				continue
			}
			_ = ln.Close()
		}
		if free {
			return base, nil
		}
	}
	return 0, fmt.Errorf("found no %d free ports in a row below 32768", n)
}
