package testenv

import (
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Counter is a service that counts what it receives, per caller: the
// uploads and their body sizes, and when each arrived. It is a test's
// truth about what reached the service, whatever the harness reports.
// Callers are read from /v1/callers/{caller}/... paths.
type Counter struct {
	mu       sync.Mutex
	sizes    map[string][]int
	arrivals []time.Time
}

// NewCounter is a Counter that has received nothing.
func NewCounter() *Counter { return &Counter{sizes: map[string][]int{}} }

// ServeHTTP reads the whole body and counts it under its caller.
func (c *Counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	caller := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/callers/"), "/")[0]
	c.sizes[caller] = append(c.sizes[caller], len(b))
	c.arrivals = append(c.arrivals, time.Now())
}

// Sizes is each caller's body sizes in the order they arrived (a copy).
func (c *Counter) Sizes() map[string][]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string][]int, len(c.sizes))
	for k, v := range maps.All(c.sizes) {
		out[k] = slices.Clone(v)
	}
	return out
}

// Arrivals is when each upload arrived, in order (a copy).
func (c *Counter) Arrivals() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.arrivals)
}

// Tally is a service that counts the requests it receives and refuses (503) the first try of every caller whose name ends
// in 5, so that retries are in its counts too.
type Tally struct {
	mu       sync.Mutex
	requests int64
	seen     map[string]int
}

// NewTally is a Tally that has received nothing.
func NewTally() *Tally { return &Tally{seen: map[string]int{}} }

// ServeHTTP counts the request and answers it after 5 ms.
func (s *Tally) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	caller := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/callers/"), "/")[0]
	s.mu.Lock()
	s.requests++
	s.seen[caller]++
	first := s.seen[caller] == 1
	s.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	if first && strings.HasSuffix(caller, "5") {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

// Requests is how many requests came.
func (s *Tally) Requests() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}
