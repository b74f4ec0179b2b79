package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

// shardMetricsLinger is how long a local shard keeps serving its series
// after its storm: longer than federateEvery, so its final counts are in
// the federation's last scrape of it.
const shardMetricsLinger = 3 * time.Second

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
	fed, err := harness.ServeFederation(f.metrics.addr, f.allowRemote, targets)
	switch {
	case errors.Is(err, harness.ErrMetricsRemote):
		return nil, nil, usage(cmd, errext.WithHint(err, "serve on 127.0.0.1, or give --allow-remote to expose the metrics beyond this machine"))
	case errors.Is(err, harness.ErrMetricsAddr):
		return nil, nil, usage(cmd, err)
	case err != nil:
		return nil, nil, errext.WithExitCodeIfNone(fmt.Errorf("%w (--metrics-addr)", err), errext.Environment)
	}
	a.logf("metrics: http://%s/metrics (the %d shards' series)", fed.Addr(), n)
	ctx, cancel := context.WithCancel(cmd.Context())
	done := make(chan struct{})
	go func() { defer close(done); fed.Watch(ctx, federateEvery) }()
	return addrs, func() {
		// The last scrapes are kept; the federation lingers after the
		// command, as a run's exporter does (closeMetrics).
		cancel()
		<-done
		a.mu.Lock()
		a.metrics, a.metricsLinger = fed, f.metrics.linger
		a.mu.Unlock()
	}, nil
}
