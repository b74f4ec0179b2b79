package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// resolveTimeout bounds the DNS look-up of a target's host name.
const resolveTimeout = 2 * time.Second

// checkTargets checks every target the scenarios will be stormed at (the
// --target flag, or each scenario's sut.url) before anything about them is
// printed, so "starting (target …)" is never written for a target that is
// then refused, and a bad target in the third scenario is found before the
// first one runs for minutes.
func checkTargets(ctx context.Context, scs []*scenarios.Scenario, f *runFlags) error {
	if f.target != "" {
		return checkTarget(ctx, "--target", f.target, f.allowRemote)
	}
	checked := map[string]bool{}
	for _, sc := range scs {
		if sc.SUT.URL == "" || checked[sc.SUT.URL] {
			continue
		}
		checked[sc.SUT.URL] = true
		if err := checkTarget(ctx, sc.Name+": sut.url", sc.SUT.URL, f.allowRemote); err != nil {
			return err
		}
	}
	return nil
}

// checkTarget accepts raw (named by what in messages) only when it is a
// well-formed http(s) base URL (a usage error, exit 2, saying what is
// malformed), its host name resolves (exit 3, in the resolver's own words),
// it is on loopback unless allowRemote (harness.ErrRemoteTarget, exit 2),
// and something listens there (harness.ErrUnreachable, exit 3).
func checkTarget(ctx context.Context, what, raw string, allowRemote bool) error {
	u, err := parseTarget(raw)
	if err != nil {
		err = fmt.Errorf("malformed %s %q: %w", what, raw, err)
		return errext.WithExitCodeIfNone(errext.WithHint(err,
			"give the service's base URL, e.g. http://127.0.0.1:8080"), errext.Usage)
	}
	if host := u.Hostname(); net.ParseIP(host) == nil && host != "localhost" {
		rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		_, err := net.DefaultResolver.LookupIPAddr(rctx, host)
		cancel()
		if err != nil {
			err = fmt.Errorf("%s %s: %w", what, raw, err)
			return errext.WithExitCodeIfNone(errext.WithHint(err,
				"check the host name, and that this machine's DNS resolver knows it"), errext.Environment)
		}
	}
	return harness.CheckTarget(ctx, raw, allowRemote)
}

// parseTarget returns raw as a URL if it can serve as the storm's base URL:
// http or https, a host, a port in 1-65535 if any, no query or fragment
// (request paths are appended to it). Its error says which of these fails.
func parseTarget(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("is empty")
	}
	if !strings.Contains(raw, "://") {
		return nil, fmt.Errorf("has no scheme (write http://%s)", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole input; we already quote it
		}
		return nil, err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("has scheme %q, not http or https", u.Scheme)
	case u.Hostname() == "":
		return nil, errors.New("has no host")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("has a query (?%s); the target is a base URL, request paths are appended to it", u.RawQuery)
	case u.Fragment != "":
		return nil, fmt.Errorf("has a fragment (#%s); the target is a base URL, request paths are appended to it", u.Fragment)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("has port %s, not in 1-65535", p)
		}
	}
	return u, nil
}
