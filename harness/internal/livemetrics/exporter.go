// Package livemetrics shows a storm as Prometheus metrics while it runs:
// an exposition endpoint to scrape (GET /metrics) and remote write to push
// the same series. It reads the storm through reports.Observer, so the
// numbers it shows are the report's, counted as they happen. It is the
// one package that imports the Prometheus client.
package livemetrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Defaults of Options and of Close, which the CLI reuses for its flags.
const (
	// DefaultLinger is how long the endpoint stays up after the last run,
	// so the last scrape sees the final counts: two 15 s scrape intervals.
	DefaultLinger = 30 * time.Second
	// DefaultPushInterval is how often remote write pushes while a storm runs.
	DefaultPushInterval = 5 * time.Second
	// MetricsPath is the exposition's path.
	MetricsPath = "/metrics"
)

// Options configure New. The zero value serves nothing and pushes nothing.
type Options struct {
	// Addr is the listen address of MetricsPath, host:port; "" serves none.
	Addr string
	// AllowRemote lets Addr be outside loopback.
	AllowRemote bool
	// RemoteWrite is the URL the series are pushed to; "" pushes none.
	RemoteWrite string
	// PushInterval is the time between pushes; DefaultPushInterval when 0.
	PushInterval time.Duration
	// Logf receives push failures; nil discards them.
	Logf func(format string, args ...any)
	// Client sends the pushes; nil is a client with a 10 s timeout.
	Client *http.Client
}

// Exporter is one CLI invocation's metrics: one registry that every
// scenario of the run adds its labelled series to, served and pushed.
// Close it (it is nil-safe).
type Exporter struct {
	opts     Options
	reg      *prometheus.Registry
	v        *vecs
	ln       net.Listener
	srv      *http.Server
	served   chan error
	push     *pusher // nil without RemoteWrite
	observed atomic.Bool
}

// New checks opts and starts serving at once, so that a busy or remote
// address is refused before any storm: its errors wrap ErrBadAddr,
// ErrRemoteAddr, ErrAddrInUse or ErrBadRemoteWrite (or say why listening
// failed). Pushing starts with the first Scenario.
func New(opts Options) (*Exporter, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.PushInterval <= 0 {
		opts.PushInterval = DefaultPushInterval
	}
	if opts.Addr != "" {
		if err := CheckAddr(opts.Addr, opts.AllowRemote); err != nil {
			return nil, err
		}
	}
	if opts.RemoteWrite != "" {
		if err := CheckRemoteWrite(opts.RemoteWrite); err != nil {
			return nil, err
		}
	}
	reg := prometheus.NewRegistry()
	e := &Exporter{opts: opts, reg: reg, v: newVecs(reg)}
	if opts.RemoteWrite != "" {
		e.push = newPusher(reg, opts)
	}
	if opts.Addr == "" {
		return e, nil
	}
	ln, err := listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(MetricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, "rehearse live metrics: %s\n", MetricsPath)
	})
	e.ln, e.srv, e.served = ln, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, make(chan error, 1)
	go func() { e.served <- e.srv.Serve(ln) }()
	return e, nil
}

// Addr is the address the endpoint listens on (the port chosen for :0),
// "" when it serves none.
func (e *Exporter) Addr() string {
	if e == nil || e.ln == nil {
		return ""
	}
	return e.ln.Addr().String()
}

// Gatherer is the registry, for tests and for a caller that serves it itself.
func (e *Exporter) Gatherer() prometheus.Gatherer { return e.reg }

// Scenario starts one scenario's series (see Scenario); set it as its
// Aggregator's observer before the storm, and call Finish after it.
func (e *Exporter) Scenario(l Labels) *Scenario {
	e.observed.Store(true)
	var c pushCount
	if e.push != nil {
		e.push.start(e.opts.PushInterval)
		c = e.push.counts()
	}
	return newScenario(e, l, c)
}

// Observed reports whether any scenario has run, so whether lingering
// shows anything.
func (e *Exporter) Observed() bool { return e != nil && e.observed.Load() }

// Close stops pushing, keeps the endpoint up for linger (or until ctx
// ends) so that the last scrape sees the final counts, then shuts it down.
// It is nil-safe; linger 0 closes at once.
func (e *Exporter) Close(ctx context.Context, linger time.Duration) error {
	if e == nil {
		return nil
	}
	if e.push != nil {
		e.push.stop()
	}
	if e.srv == nil {
		return nil
	}
	if linger > 0 {
		t := time.NewTimer(linger)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := e.srv.Shutdown(sctx)
	if serr := <-e.served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("close metrics endpoint: %w", err)
	}
	return nil
}

// Finish ends the scenario: it stamps the storm's end, and with remote
// write pushes the final counts (a short run can end between two pushes).
// Its notes, for the report, say what the pushes missed; a push failure
// is never an error of the run.
func (s *Scenario) Finish(ctx context.Context) []string {
	s.e.v.stormEnd.WithLabelValues(s.labels...).Set(float64(time.Now().UnixNano()) / 1e9)
	if s.e.push == nil {
		return nil
	}
	return s.e.push.final(ctx, s.fail0)
}
