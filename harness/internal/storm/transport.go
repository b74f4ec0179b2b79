package storm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// transport is the http.RoundTripper of every upload attempt: vegeta's
// Target.Body is a []byte, and thousands of multi-megabyte bodies must not
// be materialised, so it streams each caller's body from the population and
// applies the caller's own timeout, covering the response body too.
// The request's headers and body come from the scenario's compiled
// templates (scenarios.Requests).
type transport struct {
	ctx      context.Context // the run's: cancelling it cancels every attempt
	timeouts []time.Duration // per caller: its class's callers.timeout
	req      *scenarios.Requests
	inner    *http.Transport

	// local holds the class of each attempt that failed on this machine
	// (localClass) until absorb takes it: vegeta hands absorb only the
	// error's text, and a class must not be guessed from English.
	mu    sync.Mutex
	local map[attemptID]reports.Class
}

var _ http.RoundTripper = (*transport)(nil)

// newTransport returns the transport of a storm of n callers.
func newTransport(ctx context.Context, req *scenarios.Requests, timeouts []time.Duration, n int) *transport {
	return &transport{
		ctx: ctx, timeouts: timeouts, req: req,
		local: map[attemptID]reports.Class{},
		inner: &http.Transport{
			// No LocalAddr: binding 0.0.0.0 fails with thousands of TIME_WAIT sockets.
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        0,
			MaxIdleConnsPerHost: max(n, 2),
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// client is the http.Client vegeta sends through. It has no
// Client.Timeout: each attempt's context carries the caller's own timeout
// (RoundTrip). Redirects are answers, not followed.
func (t *transport) client() *http.Client {
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// RoundTrip sends one attempt, named by the URL's fragment (target.go).
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	id, ok := parseFragment("#" + req.URL.Fragment)
	if !ok {
		return nil, fmt.Errorf("storm: request without attempt id: %s", req.URL)
	}
	caller := id.caller
	ctx, cancel := context.WithTimeout(t.ctx, t.timeouts[caller])
	r := req.WithContext(ctx)
	r.Body = io.NopCloser(t.req.Body(caller, id.try))
	r.ContentLength = t.req.BodyLen(caller, id.try)
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(t.req.Body(caller, id.try)), nil }
	// The template's headers only: vegeta's own (X-Vegeta-*) are not the
	// caller's.
	r.Header = t.req.Header(caller, id.try)
	resp, err := t.inner.RoundTrip(r)
	if err != nil {
		cancel()
		if t.ctx.Err() != nil {
			// The run stopped under this attempt (Ctrl-C, max_duration):
			// rehearse cut it off; the service did not fail it.
			t.mark(id, reports.ClassAborted)
			return nil, fmt.Errorf("aborted by the run's stop: %w", err)
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("caller timeout: %w", ctx.Err())
		}
		if class := localClass(err); class != reports.ClassNone {
			t.mark(id, class)
			return nil, &localError{class: class, err: err}
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel, ctx: ctx}
	return resp, nil
}

// mark records the class this machine decided for attempt id: a
// generator error, or aborted by the run's stop.
func (t *transport) mark(id attemptID, class reports.Class) {
	t.mu.Lock()
	t.local[id] = class
	t.mu.Unlock()
}

// takeLocal returns and forgets the class this machine decided for
// attempt id (mark), if any.
func (t *transport) takeLocal(id attemptID) (reports.Class, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	class, ok := t.local[id]
	delete(t.local, id)
	return class, ok
}

// cancelBody ends the attempt's context when vegeta closes the body, and
// names a read cut short by the caller's timeout as such.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
	ctx    context.Context
}

func (b *cancelBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && errors.Is(b.ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("caller timeout reading body: %w", b.ctx.Err())
	}
	return n, err
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
