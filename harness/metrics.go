package harness

import (
	"context"
	"strconv"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/livemetrics"
	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
)

// Metrics is the storm's live Prometheus metrics for one invocation: the
// exposition endpoint and the remote-write pusher that every scenario of
// the run adds its series to (Options.Metrics). Close it.
type Metrics = livemetrics.Exporter

// MetricsOptions configure ServeMetrics: listen address, remote write.
type MetricsOptions = livemetrics.Options

// Defaults of the metrics flags.
const (
	// DefaultMetricsLinger is how long the endpoint stays up after the
	// last scenario, so the last scrape sees the final counts.
	DefaultMetricsLinger = livemetrics.DefaultLinger
	// DefaultMetricsPushInterval is the time between remote-write pushes.
	DefaultMetricsPushInterval = livemetrics.DefaultPushInterval
)

// Errors of ServeMetrics.
var (
	// ErrMetricsAddr: the metrics listen address is not host:port.
	ErrMetricsAddr = livemetrics.ErrBadAddr
	// ErrMetricsRemote: the metrics address is outside loopback without
	// AllowRemote.
	ErrMetricsRemote = livemetrics.ErrRemoteAddr
	// ErrMetricsAddrInUse: something already listens there.
	ErrMetricsAddrInUse = livemetrics.ErrAddrInUse
	// ErrRemoteWriteURL: the remote-write URL is not an http(s) URL.
	ErrRemoteWriteURL = livemetrics.ErrBadRemoteWrite
)

// ServeMetrics starts serving (and, with a remote-write URL, prepares to
// push) the live metrics before any storm, so that a busy or remote
// address is refused first. Nothing is pushed until a scenario runs.
func ServeMetrics(opts MetricsOptions) (*Metrics, error) { return livemetrics.New(opts) }

// CheckRemoteWrite accepts an http(s) URL with a host, for a remote
// write a shard elsewhere makes; its error wraps ErrRemoteWriteURL.
func CheckRemoteWrite(raw string) error { return livemetrics.CheckRemoteWrite(raw) }

// crashPoll is how often the crash ledger is read into the live metrics.
const crashPoll = time.Second

// liveMetrics, with Options.Metrics set, makes the aggregator's observer
// this scenario's series and reads the deployment's crash ledger into them
// every second. The function it returns stops that, pushes the final
// counts and adds the push's notes to the report; call it when the storm
// is over. Without Options.Metrics both do nothing.
func (r *rehearsal) liveMetrics(ctx context.Context, dep *sutrun.Deployment) func() {
	m := r.opts.Metrics
	if m == nil {
		return func() {}
	}
	sc := m.Scenario(livemetrics.Labels{Scenario: r.sc.Name, Run: r.opts.RunID, Shard: shardLabel(r.opts.Shard), Start: r.stormStart})
	r.agg.SetObserver(sc)
	shift := r.stormStart.Sub(r.depStart)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(crashPoll)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				sc.Crashes(dep.Crashes(), shift)
			}
		}
	}()
	return func() {
		close(quit)
		<-done
		sc.Crashes(dep.Crashes(), shift)
		r.agg.SetObserver(nil)
		r.notes = append(r.notes, sc.Finish(ctx)...)
	}
}

// shardLabel is the shard label: "i/n", "0/1" for every caller.
func shardLabel(s Shard) string {
	if s.Count <= 1 {
		return "0/1"
	}
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// Federation serves several exporters' series at one address: local
// shards' (livemetrics.Federation).
type Federation = livemetrics.Federation

// ServeFederation serves at addr the union of the series at targets
// (each a shard's http://host:port/metrics), checked as --metrics-addr is.
func ServeFederation(addr string, allowRemote bool, targets []string) (*Federation, error) {
	return livemetrics.NewFederation(addr, allowRemote, targets)
}
