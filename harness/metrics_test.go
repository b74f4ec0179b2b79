package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/harness/internal/livemetrics/promtest"
	"github.com/rehearse-dev/rehearse/reports"
)

// mixedService answers with a mix of outcomes by arrival order: every 7th
// request waits past the callers' 200 ms timeout, every 5th is a 503,
// every 11th a 429, the rest 200.
func mixedService(t *testing.T) string {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		i := n.Add(1)
		switch {
		case i%7 == 0:
			select {
			case <-r.Context().Done():
			case <-time.After(400 * time.Millisecond):
			}
		case i%5 == 0:
			w.WriteHeader(http.StatusServiceUnavailable)
		case i%11 == 0:
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// metricsScenario is a short storm with retries against url, in two
// caller classes.
func metricsScenario(t *testing.T, url string) string {
	return fmt.Sprintf(`name: live-metrics
seed: 3
sut: {url: %q}
callers:
  count: 80
  records: 5
  timeout: 200ms
  retry: {attempts: 3, backoff: exponential, base: 50ms, max: 200ms, on: [timeout, 5xx, 429]}
  classes:
    - {name: erp, weight: 3}
    - {name: batch, weight: 1}
arrival: {profile: burst, window: 1500ms}
run: {max_duration: 30s, drain_timeout: 5s}
`, url)
}

// runWithMetrics rehearses the metrics scenario with m and returns the
// report as report.json has it.
func runWithMetrics(t *testing.T, m *Metrics, runID string) *reports.Report {
	t.Helper()
	sc := harnesstest.Scenario(t, metricsScenario(t, mixedService(t)))
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), RunID: runID, Metrics: m, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reports.Load(filepath.Join(res.Dir, reports.ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests.Timeouts == 0 || rep.Requests.OK == 0 || len(rep.Requests.Errors) < 3 {
		t.Fatalf("the storm should mix outcomes: %+v", rep.Requests)
	}
	return rep
}

// checkAttempts compares Prometheus's final rehearse_attempts_total by
// outcome with report.json's requests, exactly.
func checkAttempts(t *testing.T, prom *promtest.Server, runID string, rep *reports.Report) {
	t.Helper()
	got := prom.Query(t, fmt.Sprintf(`sum by (outcome) (rehearse_attempts_total{run=%q})`, runID))
	want := map[string]float64{"ok": float64(rep.Requests.OK)}
	for c, n := range rep.Requests.Errors {
		want[string(c)] = float64(n)
	}
	for k, v := range got {
		var outcome string
		if _, err := fmt.Sscanf(k, "outcome=%s", &outcome); err != nil {
			t.Fatalf("series %q: %v", k, err)
		}
		if v != want[outcome] {
			t.Errorf("rehearse_attempts_total{outcome=%q} = %v in Prometheus, %v in report.json", outcome, v, want[outcome])
		}
		delete(want, outcome)
	}
	for outcome, n := range want {
		t.Errorf("outcome %s (%v in report.json) missing from Prometheus", outcome, n)
	}
	total := prom.Query(t, fmt.Sprintf(`sum(rehearse_attempts_total{run=%q})`, runID))
	if total[""] != float64(rep.Requests.Total) {
		t.Errorf("sum of rehearse_attempts_total %v, requests.total %d", total, rep.Requests.Total)
	}
	t.Logf("Prometheus and report.json agree: %d attempts, %d ok, %d timeouts, errors %v", rep.Requests.Total, rep.Requests.OK, rep.Requests.Timeouts, rep.Requests.Errors)
}

// endedExpr is present once Prometheus has a sample taken after the
// storm's end: the counters in it are final.
func endedExpr(runID string) string {
	return fmt.Sprintf(`rehearse_storm_end_timestamp_seconds{run=%q}`, runID)
}

// TestPrometheusScrapesTheStorm: a real Prometheus scrapes --metrics-addr
// during a rehearsal, and its final rehearse_attempts_total equals
// report.json's requests, by outcome.
func TestPrometheusScrapesTheStorm(t *testing.T) {
	promtest.Require(t)
	m, err := ServeMetrics(MetricsOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background(), 0) })
	prom := promtest.Start(t, promtest.Options{Scrape: []string{m.Addr()}, Interval: 250 * time.Millisecond, NativeHistograms: true})
	// Prometheus applies new targets every 5 s: the storm starts once the
	// endpoint has been scraped.
	prom.WaitFor(t, `up{job="rehearse"} == 1`, 20*time.Second, func(v map[string]float64) bool { return len(v) == 1 })
	const runID = "prom-scrape"
	rep := runWithMetrics(t, m, runID)
	prom.WaitFor(t, endedExpr(runID), 10*time.Second, func(v map[string]float64) bool { return len(v) == 1 })
	checkAttempts(t, prom, runID, rep)
	// The scrape saw the storm while it ran, not only its end.
	seen := prom.Query(t, fmt.Sprintf(`count_over_time(rehearse_callers{run=%q,state="finished"}[1m])`, runID))
	if len(seen) != 1 || maxOf(seen) < 3 {
		t.Errorf("Prometheus has %v points of the storm; want several scrapes during it", seen)
	}
	// p99 from the native histogram, as the README's PromQL reads it.
	p99 := prom.Query(t, fmt.Sprintf(`histogram_quantile(0.99, sum(rehearse_attempt_duration_seconds{run=%q}))`, runID))
	if v := p99[""]; v < 0.1 || v > 0.5 {
		t.Errorf("p99 from the native histogram %v s; the storm's timeouts put it near 0.2 s", p99)
	}
}

// TestPrometheusReceivesRemoteWrite: the same series pushed by remote
// write to a real Prometheus (--web.enable-remote-write-receiver) end
// with the same totals as report.json.
func TestPrometheusReceivesRemoteWrite(t *testing.T) {
	promtest.Require(t)
	prom := promtest.Start(t, promtest.Options{RemoteWriteReceiver: true, NativeHistograms: true})
	var logged atomic.Int64
	m, err := ServeMetrics(MetricsOptions{RemoteWrite: prom.URL + promtest.RemoteWritePath, PushInterval: 300 * time.Millisecond,
		Logf: func(f string, a ...any) { logged.Add(1); t.Logf(f, a...) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background(), 0) })
	const runID = "prom-rw"
	rep := runWithMetrics(t, m, runID)
	if logged.Load() != 0 || len(pushNotes(rep)) != 0 {
		t.Fatalf("pushes failed: %d log lines, notes %q", logged.Load(), rep.Notes)
	}
	prom.WaitFor(t, endedExpr(runID), 5*time.Second, func(v map[string]float64) bool { return len(v) == 1 })
	checkAttempts(t, prom, runID, rep)
	pts := prom.Query(t, fmt.Sprintf(`count_over_time(rehearse_callers{run=%q,state="finished"}[1m])`, runID))
	if len(pts) != 1 || maxOf(pts) < 3 {
		t.Errorf("Prometheus has %v pushed points; want several pushes during the storm", pts)
	}
}

// A receiver that refuses every push costs the run nothing but a log line
// and a note in the report.
func TestRemoteWriteFailureIsANote(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	var logged atomic.Int64
	m, err := ServeMetrics(MetricsOptions{RemoteWrite: down.URL + "/api/v1/write", PushInterval: 200 * time.Millisecond,
		Logf: func(string, ...any) { logged.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background(), 0)
	rep := runWithMetrics(t, m, "rw-down")
	if logged.Load() != 1 {
		t.Errorf("%d log lines for a receiver that is down; want one", logged.Load())
	}
	notes := pushNotes(rep)
	if len(notes) != 1 || rep.Verdict != reports.VerdictNoGates { // its scenario has no gates
		t.Fatalf("verdict %s, notes %q; want no gates (not a fail) with one note on the pushes", rep.Verdict, rep.Notes)
	}
	t.Logf("note: %s", notes[0])
}

// pushNotes are the report's notes about remote write.
func pushNotes(rep *reports.Report) []string {
	var out []string
	for _, n := range rep.Notes {
		if strings.HasPrefix(n, "remote write") {
			out = append(out, n)
		}
	}
	return out
}

func maxOf(v map[string]float64) float64 {
	var m float64
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
