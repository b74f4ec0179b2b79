// Package storm replays a scenario's caller storm against a running service
// with the vegeta library: every caller has its own identity, body, timeout
// and retry policy, first attempts follow the arrival schedule (an open
// model: the schedule never waits for the service), retries follow the
// callers' backoff, and accepted async uploads are polled until done.
// Results stream into a reports.Aggregator.
package storm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

// Shard selects callers i with i % Count == Index (--shard i/n); the zero
// value selects every caller.
type Shard struct{ Index, Count int }

func (s Shard) has(i int) bool { return s.Count <= 1 || i%s.Count == s.Index }

// Sentinel errors of CheckTarget.
var (
	// ErrUnreachable: nothing answers at the target's address.
	ErrUnreachable = errors.New("target not reachable")
	// ErrRemoteTarget: the target is outside loopback and --allow-remote was not given.
	ErrRemoteTarget = errors.New("target not on loopback")
)

// CheckTarget refuses a target outside loopback (127.0.0.0/8, ::1) unless
// allowRemote, without sending it anything, then dials it once to make
// sure something listens.
func CheckTarget(ctx context.Context, target string, allowRemote bool) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &targetError{ErrRemoteTarget, fmt.Sprintf("target %q is not an http(s) URL", target)}
	}
	host, port := u.Hostname(), wire.PortOf(u)
	if !allowRemote {
		if err := loopbackOnly(ctx, host); err != nil {
			return errext.WithHint(&targetError{ErrRemoteTarget, fmt.Sprintf("target %s %v", target, err)},
				"pass --allow-remote if you really mean it: one typo must not point thousands of callers at production")
		}
	}
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return errext.WithHint(&targetError{ErrUnreachable, fmt.Sprintf("target %s is not reachable: %v", target, err)},
			"is the service running, and listening on that address?")
	}
	return conn.Close()
}

// targetError is a refused target: its message says what is wrong with
// this target, and errors.Is finds its kind (ErrRemoteTarget,
// ErrUnreachable) without the kind's words repeated in the message.
type targetError struct {
	kind error
	msg  string
}

func (e *targetError) Error() string { return e.msg }
func (e *targetError) Unwrap() error { return e.kind }

func loopbackOnly(ctx context.Context, host string) error {
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("is not on loopback (127.0.0.0/8, ::1)")
		}
		return nil
	}
	if host == "localhost" {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(rctx, host)
	if err != nil {
		return fmt.Errorf("does not resolve: %w", err) // the resolver's own words
	}
	if len(ips) == 0 {
		return fmt.Errorf("does not resolve to a loopback address")
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return fmt.Errorf("resolves to %s, which is not on loopback (127.0.0.0/8, ::1)", ip.IP)
		}
	}
	return nil
}
