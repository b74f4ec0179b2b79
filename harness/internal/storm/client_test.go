package storm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// limiter is a test service that knows its own truth about retries: it
// answers each caller's first `refuse` attempts with status and a
// Retry-After of wait (as delta-seconds, or as an HTTP-date when date is
// set), then 200; it records when each attempt arrived and counts every
// caller that came back before the time it was told.
type limiter struct {
	status, refuse int
	wait           time.Duration
	date           bool

	mu       sync.Mutex
	arrivals map[int][]time.Time
	notTill  map[int]time.Time
	early    int
	requests int
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	i, now := callerOfPath(r.URL.Path), time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.arrivals == nil {
		l.arrivals, l.notTill = map[int][]time.Time{}, map[int]time.Time{}
	}
	l.requests++
	if till, ok := l.notTill[i]; ok && now.Before(till) {
		l.early++
	}
	l.arrivals[i] = append(l.arrivals[i], now)
	if len(l.arrivals[i]) > l.refuse {
		return
	}
	if l.wait > 0 {
		secs := int(l.wait / time.Second)
		if l.date {
			// An HTTP-date has whole seconds: promise the next whole
			// second after now+wait, so the promise is kept by the date.
			at := now.Add(l.wait).Truncate(time.Second).Add(time.Second)
			w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
			l.notTill[i] = at
		} else {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			l.notTill[i] = now.Add(l.wait)
		}
	}
	w.WriteHeader(l.status)
}

// A caller that honours Retry-After never comes back before it was told,
// in delta-seconds or as an HTTP-date; one that ignores it retries at once.
func TestRetryAfterHonoured(t *testing.T) {
	for _, c := range []struct {
		name, mode string
		date       bool
		wantEarly  bool
	}{
		{"honor seconds", "honor", false, false},
		{"honor date", "honor", true, false},
		{"ignore", "ignore", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := &limiter{status: http.StatusTooManyRequests, refuse: 2, wait: time.Second, date: c.date}
			srv := httptest.NewServer(l)
			defer srv.Close()
			sc := scenario(t, srv.URL, "callers: {count: 20, records: 5, timeout: 5s,\n"+
				"  retry: {attempts: 4, backoff: constant, base: 10ms, jitter: none, retry_after: "+c.mode+"}}\n"+
				"arrival: {profile: burst, window: 100ms}\n")
			rep, _ := run(t.Context(), t, sc, srv.URL)
			l.mu.Lock()
			defer l.mu.Unlock()
			if rep.Callers.Succeeded != 20 || int64(l.requests) != rep.Requests.Total || l.requests != 60 {
				t.Fatalf("callers %+v, service saw %d requests, report %d", rep.Callers, l.requests, rep.Requests.Total)
			}
			if early := l.early > 0; early != c.wantEarly {
				t.Fatalf("%d callers came back early, want early=%v", l.early, c.wantEarly)
			}
			waits := rep.Classes["default"].RetryAfterWaits
			if c.mode == "honor" && waits != 40 || c.mode == "ignore" && waits != 0 {
				t.Fatalf("retry_after_waits %d", waits)
			}
		})
	}
}

// Retry-After is capped by retry.max: a service asking for an hour does
// not hold a caller for an hour.
func TestRetryAfterCappedByMax(t *testing.T) {
	l := &limiter{status: http.StatusServiceUnavailable, refuse: 1, wait: time.Hour}
	srv := httptest.NewServer(l)
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 5, records: 1, timeout: 5s,\n"+
		"  retry: {attempts: 2, backoff: constant, base: 10ms, max: 300ms, jitter: none, retry_after: honor}}\n"+
		"arrival: {profile: burst, window: 10ms}\n")
	begin := time.Now()
	rep, _ := run(t.Context(), t, sc, srv.URL)
	if rep.Callers.Succeeded != 5 || time.Since(begin) > 10*time.Second {
		t.Fatalf("callers %+v after %s", rep.Callers, time.Since(begin))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, at := range l.arrivals {
		if gap := at[1].Sub(at[0]); gap < 300*time.Millisecond {
			t.Fatalf("caller %d came back after %s, want >= the 300ms cap", i, gap)
		}
	}
}

// A retry budget of 0.2 lets retries add at most 20% of the first
// attempts; the callers it refuses give up and are counted.
func TestRetryBudget(t *testing.T) {
	l := &limiter{status: http.StatusInternalServerError, refuse: 100}
	srv := httptest.NewServer(l)
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 50, records: 1, timeout: 5s,\n"+
		"  retry: {attempts: 5, backoff: constant, base: 20ms, jitter: none, budget: 0.2}}\n"+
		"arrival: {profile: burst, window: 50ms}\n")
	rep, _ := run(t.Context(), t, sc, srv.URL)
	l.mu.Lock()
	defer l.mu.Unlock()
	cl := rep.Classes["default"]
	// The budget is a ledger against the first attempts sent so far, so
	// how many retries fit depends on when the failures came; never more
	// than 20% of 50.
	r := rep.Callers.Retries
	if r < 1 || r > 10 || int64(l.requests) != 50+r || rep.Requests.Total != 50+r {
		t.Fatalf("retries %d (want 1..10), service saw %d requests, report %d", r, l.requests, rep.Requests.Total)
	}
	if cl.GaveUp != 50 || cl.BudgetDenied < 40 {
		t.Fatalf("class %+v: every caller gives up, at least 40 refused by the budget", cl)
	}
	if a := cl.Amplification; a == nil || *a != float64(50+r)/50 {
		t.Fatalf("amplification %v, want %v", a, float64(50+r)/50)
	}
}

// After breaker.failures failures in a row a caller waits breaker.open
// before its probe; a failed probe opens it again.
func TestBreakerHoldsCallerBack(t *testing.T) {
	l := &limiter{status: http.StatusInternalServerError, refuse: 100}
	srv := httptest.NewServer(l)
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 4, records: 1, timeout: 5s,\n"+
		"  retry: {attempts: 4, backoff: constant, base: 10ms, jitter: none, breaker: {failures: 2, open: 400ms}}}\n"+
		"arrival: {profile: burst, window: 10ms}\n")
	rep, _ := run(t.Context(), t, sc, srv.URL)
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, at := range l.arrivals {
		if len(at) != 4 {
			t.Fatalf("caller %d sent %d attempts, want 4", i, len(at))
		}
		if g := at[1].Sub(at[0]); g >= 400*time.Millisecond { // an open breaker would hold it 400 ms
			t.Fatalf("caller %d: breaker open after one failure (gap %s)", i, g)
		}
		for k := 2; k < 4; k++ {
			if g := at[k].Sub(at[k-1]); g < 400*time.Millisecond {
				t.Fatalf("caller %d: attempt %d came %s after the one before, want >= 400ms (breaker open)", i, k+1, g)
			}
		}
	}
	if got := rep.Classes["default"].BreakerOpens; got != 8 {
		t.Fatalf("breaker_opens %d, want 8 (2 per caller)", got)
	}
	opened := int64(0)
	for _, b := range rep.Timeline {
		opened += b.BreakerOpens
	}
	if opened != 8 {
		t.Fatalf("timeline breaker opens %d, want 8", opened)
	}
}

// callerOfPath reads the index from a path holding caller-00042.
func callerOfPath(p string) int {
	_, rest, _ := strings.Cut(p, "caller-")
	i, _ := strconv.Atoi(rest[:min(5, len(rest))])
	return i
}
