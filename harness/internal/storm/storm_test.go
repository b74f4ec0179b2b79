package storm

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

func scenario(t testing.TB, url, extra string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("t.yaml", []byte("name: t\nsut: {url: \""+url+"\"}\n"+extra))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func run(ctx context.Context, t *testing.T, sc *scenarios.Scenario, target string) (*reports.Report, Stats) {
	t.Helper()
	start := time.Now()
	agg := reports.NewAggregator(start)
	st, err := Run(ctx, sc, Options{Target: target, Start: start, Aggregator: agg})
	if err != nil {
		t.Fatal(err)
	}
	return agg.Finish(time.Now()), st
}

// callerIndex reads the index from /v1/callers/caller-00042/records.
func callerIndex(r *http.Request) int {
	name := r.PathValue("caller")
	i, _ := strconv.Atoi(strings.TrimPrefix(name, "caller-"))
	return i
}

// tries counts requests per caller.
type tries struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *tries) next(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int]int{}
	}
	c.n[i]++
	return c.n[i]
}

func TestFixedDelayLatency(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(50 * time.Millisecond)
	}))
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 100, records: 10, timeout: 2s}\narrival: {profile: burst, window: 1s}\n")
	rep, st := run(t.Context(), t, sc, srv.URL)
	if rep.Requests.Total != 100 || rep.Requests.OK != 100 || rep.Callers.Succeeded != 100 || st.Stopped != "done" {
		t.Fatalf("requests %+v callers %+v stopped %s", rep.Requests, rep.Callers, st.Stopped)
	}
	// The service's 50 ms, and what a machine shared with other tests
	// adds to it: far below the 2 s timeout either way.
	if p := *rep.LatencyMs.P50; p < 50 || p > 150 {
		t.Fatalf("p50 %.2f ms, want within [50, 150]", p)
	}
	if rep.Generator.PlannedAttempts != 100 || rep.Generator.Sent != 100 {
		t.Fatalf("generator %+v", rep.Generator)
	}
}

func TestTimeoutsAreRetried(t *testing.T) {
	var c tries
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/callers/{caller}/records", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if i := callerIndex(r); i%5 == 0 && c.next(i) == 1 {
			select { // hang past the caller's 200 ms timeout
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sc := scenario(t, srv.URL, `callers:
  count: 100
  records: 5
  timeout: 200ms
  retry: {attempts: 2, backoff: constant, base: 50ms, jitter: none, on: [timeout]}
arrival: {profile: burst, window: 500ms}
`)
	rep, _ := run(t.Context(), t, sc, srv.URL)
	if rep.Requests.Timeouts != 20 || rep.Callers.Retries != 20 || rep.Callers.Succeeded != 100 || rep.Requests.Total != 120 {
		t.Fatalf("requests %+v callers %+v", rep.Requests, rep.Callers)
	}
	if rep.Requests.Errors[reports.ClassTimeout] != 20 {
		t.Fatalf("errors %v", rep.Requests.Errors)
	}
}

func TestRetryPolicyByClass(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/callers/{caller}/records", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch callerIndex(r) % 10 {
		case 0:
			w.WriteHeader(503)
		case 1:
			w.WriteHeader(429)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sc := scenario(t, srv.URL, `callers:
  count: 100
  records: 5
  timeout: 1s
  retry: {attempts: 3, backoff: constant, base: 10ms, jitter: none, on: [5xx]}
arrival: {profile: burst, window: 300ms}
`)
	rep, _ := run(t.Context(), t, sc, srv.URL)
	// 10 callers x 3 tries of 503; 10 callers x 1 try of 429 (not retried).
	if rep.Callers.GaveUp != 20 || rep.Requests.Errors["http_5xx"] != 30 || rep.Requests.Errors["http_429"] != 10 || rep.Requests.Total != 120 || rep.Callers.Retries != 20 {
		t.Fatalf("requests %+v callers %+v", rep.Requests, rep.Callers)
	}
}

// asyncServer accepts uploads with 202 + Location and completes them after
// 100 ms, except the callers in never, whose uploads stay queued forever.
// With dupFirst, a caller's first request is stored and then hangs past the
// client's timeout, so the retry creates a second upload.
type asyncServer struct {
	mu       sync.Mutex
	uploads  map[string]map[string]any
	byCaller map[string][]string
	never    func(int) bool
	dupFirst func(int) bool
	c        tries
	bodies   map[int][32]byte
}

func (s *asyncServer) handler() http.Handler {
	s.uploads, s.byCaller, s.bodies = map[string]map[string]any{}, map[string][]string{}, map[int][32]byte{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/callers/{caller}/records", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		i := callerIndex(r)
		try := s.c.next(i)
		s.mu.Lock()
		s.bodies[i] = sha256.Sum256(b)
		id := fmt.Sprintf("u%d-%d", i, try)
		s.uploads[id] = map[string]any{"upload_id": id, "status": "queued"}
		s.byCaller[r.PathValue("caller")] = append(s.byCaller[r.PathValue("caller")], id)
		s.mu.Unlock()
		if !s.never(i) {
			time.AfterFunc(100*time.Millisecond, func() {
				s.mu.Lock()
				s.uploads[id]["status"] = "done"
				s.mu.Unlock()
			})
		}
		if s.dupFirst != nil && s.dupFirst(i) && try == 1 {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Location", "/v1/uploads/"+id)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("GET /v1/uploads/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(s.uploads[r.PathValue("id")])
	})
	mux.HandleFunc("GET /v1/callers/{caller}/uploads", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var l []map[string]any
		for _, id := range s.byCaller[r.PathValue("caller")] {
			l = append(l, s.uploads[id])
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"uploads": l})
	})
	return mux
}

const asyncScenario = `api: {completion: location, list: "GET /v1/callers/{caller}/uploads"}
callers:
  count: 70
  records: 5
  timeout: 300ms
  retry: {attempts: 2, backoff: constant, base: 20ms, jitter: none, on: [timeout]}
arrival: {profile: burst, window: 300ms}
run: {drain_timeout: 1s}
`

func TestAsyncLostUploadsAreCounted(t *testing.T) {
	s := &asyncServer{never: func(i int) bool { return i%7 == 0 }}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	rep, _ := run(t.Context(), t, scenario(t, srv.URL, asyncScenario), srv.URL)
	a := rep.Async
	if a == nil || a.Accepted != 70 || a.Lost != 10 || a.Completed != 60 || a.Duplicates != 0 {
		t.Fatalf("async %+v", a)
	}
	if rep.Callers.Succeeded != 60 || rep.Completion == nil || val(rep.Completion.P50) < 100 {
		t.Fatalf("callers %+v completion %+v", rep.Callers, rep.Completion)
	}
	if a.DrainS <= 0 || a.DrainS > 1.5 {
		t.Fatalf("drain_s %v", a.DrainS)
	}
}

func TestAsyncDuplicatesAreCounted(t *testing.T) {
	s := &asyncServer{never: func(int) bool { return false }, dupFirst: func(i int) bool { return i%10 == 0 }}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	rep, _ := run(t.Context(), t, scenario(t, srv.URL, asyncScenario), srv.URL)
	if a := rep.Async; a == nil || a.Duplicates != 7 || a.Lost != 0 || a.Completed != 70 || rep.Requests.Timeouts != 7 {
		t.Fatalf("async %+v requests %+v", rep.Async, rep.Requests)
	}
}

func TestBodiesOnTheWireAreTheReferenceRequests(t *testing.T) {
	s := &asyncServer{never: func(int) bool { return false }}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 20, records: {median: 50, p99: 400, max: 800}}\narrival: {profile: burst, window: 200ms}\n")
	run(t.Context(), t, sc, srv.URL)
	req := harnesstest.Requests(t, sc)
	for i := 0; i < 20; i++ {
		h := sha256.New()
		_, _ = io.Copy(h, req.Body(i, 1))
		var want [32]byte
		copy(want[:], h.Sum(nil))
		if s.bodies[i] != want {
			t.Fatalf("caller %d: body on the wire differs from the reference request's", i)
		}
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 10000, records: 2, timeout: 5s}\narrival: {profile: constant, rate: 100}\n")
	// Built before the clock, as the harness does: on a busy machine
	// building 10,000 callers could take the whole 700 ms.
	p, err := Prepare(t.Context(), sc, Options{Target: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	agg := reports.NewAggregator(t0)
	st, err := p.Run(ctx, t0, agg)
	if err != nil {
		t.Fatal(err)
	}
	rep := agg.Finish(time.Now())
	if took := time.Since(t0); took > 3*time.Second || st.Stopped != "interrupted" {
		t.Fatalf("stopped %q after %s", st.Stopped, took)
	}
	if rep.Requests.Total < 30 || rep.Requests.Total > 200 || rep.Callers.Total != 10000 || rep.Callers.GaveUp < 9800 {
		t.Fatalf("requests %+v callers %+v", rep.Requests, rep.Callers)
	}
}

func TestMaxDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 1000, records: 2}\narrival: {profile: constant, rate: 100}\nrun: {max_duration: 500ms}\n")
	_, st := run(t.Context(), t, sc, srv.URL)
	if st.Stopped != "max_duration" {
		t.Fatalf("stopped %q", st.Stopped)
	}
}

func TestShardsPartitionCallers(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/callers/{caller}/records", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen[callerIndex(r)]++
		mu.Unlock()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 30, records: 2}\narrival: {profile: burst, window: 100ms}\n")
	for i := 0; i < 3; i++ {
		agg := reports.NewAggregator(time.Now())
		if _, err := Run(t.Context(), sc, Options{Target: srv.URL, Aggregator: agg, Shard: Shard{Index: i, Count: 3}}); err != nil {
			t.Fatal(err)
		}
		if got := agg.Finish(time.Now()).Callers.Total; got != 10 {
			t.Fatalf("shard %d ran %d callers", i, got)
		}
	}
	if len(seen) != 30 {
		t.Fatalf("shards covered %d callers, want 30", len(seen))
	}
	for c, n := range seen {
		if n != 1 {
			t.Fatalf("caller %d sent %d times", c, n)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	for _, target := range []string{"http://10.0.0.1:8080", "http://192.168.1.5", "http://[2001:db8::1]:80", "ftp://127.0.0.1"} {
		if err := CheckTarget(t.Context(), target, false); !errors.Is(err, ErrRemoteTarget) {
			t.Errorf("%s: %v, want ErrRemoteTarget", target, err)
		}
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	err := CheckTarget(t.Context(), "http://"+addr, false)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("closed port: %v", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if err := CheckTarget(t.Context(), srv.URL, false); err != nil {
		t.Fatal(err)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		code int
		want reports.Class
	}{{200, ""}, {202, ""}, {302, "redirect"}, {429, "http_429"}, {404, "http_4xx"}, {503, "http_5xx"}, {100, "other"}} {
		if got := classify(c.code); got != c.want {
			t.Errorf("classify(%d) = %q, want %q", c.code, got, c.want)
		}
	}
	for _, c := range []struct {
		err  error
		want reports.Class
	}{
		{fmt.Errorf("caller timeout: dial: %w", wire.ErrTimeout), "timeout"},
		{&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, "timeout"},
		{fmt.Errorf("connect: %w", wire.ErrConnTimeout), "conn_timeout"},
		{&net.OpError{Op: "dial", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, "conn_refused"},
		{&net.OpError{Op: "write", Err: &os.SyscallError{Syscall: "write", Err: syscall.EPIPE}}, "conn_reset"},
		{&net.OpError{Op: "read", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}, "conn_reset"},
		{wire.ClosedWithoutAnswer(io.EOF), "conn_closed"},
		{wire.ClosedWithoutAnswer(&net.OpError{Op: "read", Err: syscall.ECONNRESET}), "conn_closed"},
		{io.ErrUnexpectedEOF, "conn_closed"},
		{wire.ProtocolErrorf("malformed"), "protocol"},
		{&net.OpError{Op: "remote error", Err: errors.New("tls: bad certificate")}, "tls"},
		// A text that reads like a class is not one: only types count.
		{errors.New("connection refused: timeout EOF"), "other"},
	} {
		if got := errorClass(c.err); got != c.want {
			t.Errorf("errorClass(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// val is *p, or -1 for nil (not measured), so that an assertion on a
// measured count fails on nil.
func val[T int64 | float64](p *T) T {
	if p == nil {
		return -1
	}
	return *p
}

// TestStopAbortsInFlightAttemptsWithoutBlame: attempts in flight when the
// run is interrupted are cut off by rehearse, not failed by the service:
// they are counted as aborted, never as the service's errors or timeouts.
func TestStopAbortsInFlightAttemptsWithoutBlame(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	sc := scenario(t, srv.URL, "callers: {count: 20, records: 2, timeout: 30s}\narrival: {profile: burst, window: 100ms}\n")
	ctx, cancel := context.WithTimeout(t.Context(), 800*time.Millisecond)
	defer cancel()
	rep, st := run(ctx, t, sc, srv.URL)
	if st.Stopped != StopInterrupted {
		t.Fatalf("stopped %q", st.Stopped)
	}
	if rep.Requests.Aborted != 20 || rep.Requests.Total != 0 || len(rep.Requests.Errors) != 0 || rep.Requests.Timeouts != 0 {
		t.Fatalf("requests %+v", rep.Requests)
	}
	if rep.Callers.GaveUp != 0 {
		t.Fatalf("callers %+v: an aborted caller did not give up", rep.Callers)
	}
}

// TestLatencySuccessfulApartFromFailures: against a service that refuses
// three callers in four at once (503 in 1 ms) and answers the fourth
// slowly (200 after 50 ms), the latency of successful attempts is the slow one
// and the latency of all answered attempts is pulled down by the fast
// failures: the two are never one figure that passes for the service's
// speed.
func TestLatencySuccessfulApartFromFailures(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/callers/{caller}/records", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if callerIndex(r)%4 != 0 {
			time.Sleep(time.Millisecond)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		time.Sleep(50 * time.Millisecond)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 100, records: 5, timeout: 2s, retry: {attempts: 1}}\narrival: {profile: burst, window: 1s}\n")
	rep, _ := run(t.Context(), t, sc, srv.URL)
	if rep.Requests.Total != 100 || rep.Requests.OK != 25 || rep.Requests.Errors[reports.ClassHTTP5xx] != 75 {
		t.Fatalf("requests %+v", rep.Requests)
	}
	ok, all := rep.LatencyMs, rep.LatencyAllMs
	if ok.Attempts != 25 || all.Attempts != 100 || !ok.Measured() || !all.Measured() {
		t.Fatalf("latency of %d successful and %d answered attempts", ok.Attempts, all.Attempts)
	}
	// The median of all answered attempts is the median 503's (they took
	// about 1 ms, and what a shared machine adds), far below the service's
	// 50 ms for an upload it took.
	if *ok.P50 < 50 || *all.P50 >= 50 || *ok.Mean <= *all.Mean {
		t.Fatalf("latency_ms p50 %.2f mean %.2f, latency_all_ms p50 %.2f mean %.2f", *ok.P50, *ok.Mean, *all.P50, *all.Mean)
	}
	t.Logf("latency_ms p50 %.2f p99 %.2f; latency_all_ms p50 %.2f p99 %.2f", *ok.P50, *ok.P99, *all.P50, *all.P99)
}
