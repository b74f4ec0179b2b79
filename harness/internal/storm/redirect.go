package storm

import (
	"context"
	"net/http"
	"net/url"
	"sync"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// redirects is the storm's handling of api.redirects: follow sends an
// upload answered 301, 302, 303, 307 or 308 on to its Location — a
// storage node, another port of the target's host — and the final answer
// is the attempt's. Each other host:port gets a wire of its own, made on
// first use.
type redirects struct {
	follow      bool
	base        *url.URL // the target: Locations resolve against it
	allowRemote bool
	main        *wire.Client // the target's
	n           int          // callers, to size a new wire's idle pool

	mu    sync.Mutex
	wires map[string]*wire.Client // by scheme://host:port
}

func newRedirects(sc *scenarios.Scenario, base *url.URL, main *wire.Client, n int, allowRemote bool) *redirects {
	return &redirects{follow: sc.API.Redirects != scenarios.RedirectsFail, base: base, main: main, n: n,
		allowRemote: allowRemote, wires: map[string]*wire.Client{}}
}

// isRedirect is whether code sends the client elsewhere.
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// follows sends x on through up to scenarios.MaxRedirects redirects, as
// net/http's client does: 307 and 308 with the method and the body, 301,
// 302 and 303 as a GET without one. A Location off the target's host (and
// no --allow-remote), or none, is not followed: the 3xx stays the answer
// (class redirect). It returns the hops made and the last error; ctx
// is the run's, as for the first request.
func (r *redirects) follows(ctx context.Context, x *wire.Exchange) (hops int, err error) {
	for r.follow && isRedirect(x.Code) && hops < scenarios.MaxRedirects {
		w, path, ok := r.next(x.Location)
		if !ok {
			return hops, nil
		}
		if x.Code != http.StatusTemporaryRedirect && x.Code != http.StatusPermanentRedirect {
			x.Method, x.NoBody = http.MethodGet, true
		}
		x.Path = path
		out, in := x.BytesOut, x.BytesIn
		x.ClearAnswer()
		hops++
		err = w.Do(ctx, x)
		x.BytesOut, x.BytesIn = x.BytesOut+out, x.BytesIn+in
		if err != nil {
			return hops, err
		}
	}
	return hops, nil
}

// next is the wire and the path of a Location, when it may be followed.
func (r *redirects) next(location string) (*wire.Client, string, bool) {
	if location == "" {
		return nil, "", false
	}
	u, err := r.base.Parse(location)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, "", false
	}
	if u.Hostname() != r.base.Hostname() && !r.allowRemote {
		return nil, "", false
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if u.Scheme == r.base.Scheme && u.Host == r.base.Host {
		return r.main, path, true
	}
	key := u.Scheme + "://" + u.Host
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.wires[key]
	if !ok {
		// The target's roots, client certificate and session cache (sut.tls).
		w = wire.NewClient(&url.URL{Scheme: u.Scheme, Host: u.Host}, r.n, r.main.ConnectTimeout(), r.main.TLSFor(u.Hostname()))
		r.wires[key] = w
	}
	return w, path, true
}

// closeIdle closes the kept connections of every wire redirects made.
func (r *redirects) closeIdle() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.wires {
		w.CloseIdle()
	}
}
