package sut

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"
)

// proxy is a plain round-robin reverse proxy over a team's own image
// replicas (mode proxy): unlike the reference lb it knows nothing of the
// reference API. Every request, whatever its path, headers (Authorization
// included) and body, goes to the next backend; a backend that refuses
// connections (being replaced in a rolling upgrade) is skipped; every
// answer header comes back. State the replicas keep to themselves (a job
// polled on another replica) is the team's architecture, rehearsed as is.
type proxy struct {
	backends []string
	maxBody  int64
	next     atomic.Uint64
	client   *http.Client
}

func newProxy(backends []string, maxBody int64) *proxy {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 1024,
		DisableCompression:  true,
	}
	return &proxy{backends: backends, maxBody: maxBody, client: &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// hopHeaders are a connection's own, never forwarded (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.maxBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large or unreadable: "+err.Error())
		return
	}
	start := p.next.Add(1)
	for i := range p.backends {
		be := p.backends[(int(start)+i)%len(p.backends)]
		req, err := http.NewRequestWithContext(r.Context(), r.Method, be+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			writeError(w, http.StatusBadGateway, err.Error())
			return
		}
		req.Header = r.Header.Clone()
		for _, h := range hopHeaders {
			req.Header.Del(h)
		}
		resp, err := p.client.Do(req)
		if errors.Is(err, syscall.ECONNREFUSED) {
			continue // replica down: try the next one
		}
		if err != nil {
			writeError(w, http.StatusBadGateway, "upstream: "+err.Error())
			return
		}
		relay(w, resp)
		return
	}
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "no upstream accepts connections")
}

// relay writes a backend's whole answer.
func relay(w http.ResponseWriter, resp *http.Response) {
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	for _, h := range hopHeaders {
		w.Header().Del(h)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
