package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

// liveMetrics is what serves --metrics-addr: a run's exporter, or local
// shards' federation (shardmetrics.go). It lingers after the command.
type liveMetrics interface {
	Addr() string
	Observed() bool
	Close(ctx context.Context, linger time.Duration) error
}

// metricsFlags are the live-metrics flags of run and attack.
type metricsFlags struct {
	addr   string
	linger time.Duration
	rw     string
	// byShard: --metrics-addr's port is shard 0's, shard i serves on
	// port+i (distribute --engine swarm: the tasks share the host's
	// network, and a task cannot compute its port in a shell it has not).
	byShard bool
}

// register adds the live-metrics flags to c; run, which has no
// --allow-remote of its own, gets it here (it also lets a scenario's
// sut.url be remote).
func (m *metricsFlags) register(c *cobra.Command, f *runFlags, withSUT bool) {
	c.Flags().StringVar(&m.addr, "metrics-addr", "", "serve the storm as Prometheus metrics at http://ADDR/metrics while it runs, e.g. 127.0.0.1:9464 (outside loopback only with --allow-remote)")
	c.Flags().DurationVar(&m.linger, "metrics-linger", harness.DefaultMetricsLinger, "keep --metrics-addr up this long after the last scenario, so the last scrape sees the final counts (at least your scrape interval)")
	c.Flags().BoolVar(&m.byShard, "metrics-port-by-shard", false, "with --shard i/N: serve --metrics-addr's port plus i (what distribute --engine swarm gives its tasks)")
	c.Flags().StringVar(&m.rw, "prometheus-rw", "", "push the same series by Prometheus remote write to this URL, e.g. http://127.0.0.1:9090/api/v1/write (failures are logged and noted in the report, never fatal)")
	if withSUT {
		c.Flags().BoolVar(&f.allowRemote, "allow-remote", false, "allow --metrics-addr and a scenario's sut.url outside loopback")
	}
}

// startMetrics starts the live metrics the flags ask for and sets them in
// opts, before any storm: a malformed or remote address or URL is a usage
// error (2), a busy address an environment error (3).
func (a *app) startMetrics(cmd *cobra.Command, f *runFlags, opts *harness.Options) error {
	m := f.metrics
	if m.addr == "" && m.rw == "" {
		return nil
	}
	if m.linger < 0 {
		return usage(cmd, errors.New("--metrics-linger must be >= 0"))
	}
	addr, err := m.shardAddr(opts.Shard)
	if err != nil {
		return usage(cmd, err)
	}
	met, err := harness.ServeMetrics(harness.MetricsOptions{
		Addr: addr, AllowRemote: f.allowRemote, RemoteWrite: m.rw, Logf: a.logf,
	})
	switch {
	case errors.Is(err, harness.ErrMetricsRemote):
		return usage(cmd, errext.WithHint(err, "serve on 127.0.0.1, or give --allow-remote to expose the metrics beyond this machine"))
	case errors.Is(err, harness.ErrMetricsAddr), errors.Is(err, harness.ErrRemoteWriteURL):
		return usage(cmd, err)
	case errors.Is(err, harness.ErrMetricsAddrInUse) && m.byShard:
		// A shard of a federation (distribute's task): its port was free
		// a moment ago. Its storm matters more than its live series.
		a.logf("metrics: %v; this shard storms without serving its series (the federation misses them)", err)
		return nil
	case errors.Is(err, harness.ErrMetricsAddrInUse):
		return errext.WithExitCodeIfNone(errext.WithHint(err, "another process listens there (a rehearsal still lingering?): pick another port"), errext.Environment)
	case err != nil:
		return errext.WithExitCodeIfNone(err, errext.Environment)
	}
	if met.Addr() != "" {
		a.logf("metrics: http://%s/metrics", met.Addr())
	}
	a.mu.Lock()
	a.metrics, a.metricsLinger = met, m.linger
	a.mu.Unlock()
	opts.Metrics = met
	return nil
}

// closeMetrics stops the live metrics once the command is done: after a
// storm the endpoint lingers (ctx's end, a Ctrl-C, cuts it short); before
// any, it closes at once.
func (a *app) closeMetrics(ctx context.Context) {
	a.mu.Lock()
	met, linger := a.metrics, a.metricsLinger
	a.metrics = nil
	a.mu.Unlock()
	if met == nil {
		return
	}
	if !met.Observed() || met.Addr() == "" {
		linger = 0
	}
	if linger > 0 {
		a.logf("metrics: the final counts stay at http://%s/metrics for %s (--metrics-linger; Ctrl-C ends it now)", met.Addr(), linger)
	}
	if err := met.Close(ctx, linger); err != nil {
		printError(a.stderr, err)
	}
}

// shardAddr is the address this process serves its metrics on: --metrics-addr,
// or with --metrics-port-by-shard its port plus the shard's index.
func (m metricsFlags) shardAddr(sh harness.Shard) (string, error) {
	if !m.byShard || m.addr == "" {
		return m.addr, nil
	}
	host, port, err := net.SplitHostPort(m.addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p <= 0 || p+sh.Index > 65535 {
		return "", fmt.Errorf("--metrics-port-by-shard needs --metrics-addr HOST:PORT with PORT+%d a port, got %q", sh.Index, m.addr)
	}
	return net.JoinHostPort(host, strconv.Itoa(p+sh.Index)), nil
}
