package reports

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// latencyString shows l's figures, "nil" for one not measured.
func LatencyString(l Latency) string {
	f := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("{attempts %d mean %s p50 %s p90 %s p99 %s max %s}", l.Attempts, f(l.Mean), f(l.P50), f(l.P90), f(l.P99), f(l.Max))
}

// fastFailures is a run of 100 attempts: 40 that succeeded in 50 ms and 60
// refused (503) in 1 ms, plus one generator failure and one aborted
// attempt, which reached no service and are in neither latency.
func fastFailures() *Report {
	a := NewAggregator(T0)
	for i := range 100 {
		at := Attempt{Caller: int32(i), Try: 1, Sent: time.Duration(i) * 10 * time.Millisecond, Latency: 50 * time.Millisecond, Status: 200}
		if i%5 >= 2 {
			at.Latency, at.Status, at.Class = time.Millisecond, 503, ClassHTTP5xx
		}
		a.AddAttempt(at)
	}
	a.AddAttempt(Attempt{Caller: 100, Try: 1, Latency: time.Hour, Class: GenOutOfFiles})
	a.AddAttempt(Attempt{Caller: 101, Try: 1, Latency: time.Hour, Class: ClassAborted})
	return a.Finish(T0.Add(2 * time.Second))
}

// TestLatencySuccessfulApartFromAll: latency_ms is of the successful
// attempts, latency_all_ms of every attempt that reached the service; the
// 503s in 1 ms pull the second down, never the first.
func TestLatencySuccessfulApartFromAll(t *testing.T) {
	r := fastFailures()
	ok, all := r.LatencyMs, r.LatencyAllMs
	if ok.Attempts != 40 || !Near(ok.Mean, 50) || !Near(ok.P50, 50) || !Near(ok.P90, 50) || !Near(ok.P99, 50) || !Near(ok.Max, 50) {
		t.Errorf("latency_ms %s, want 40 attempts all of 50 ms", LatencyString(ok))
	}
	// 60 of 100 at 1 ms: p50 is 1 ms, p90 and p99 50 ms, the mean 20.6 ms.
	if all.Attempts != 100 || !Near(all.Mean, 20.6) || !Near(all.P50, 1) || !Near(all.P90, 50) || !Near(all.P99, 50) || !Near(all.Max, 50) {
		t.Errorf("latency_all_ms %s", LatencyString(all))
	}
	v := Variables(r)
	for name, want := range map[string]float64{"p50_ms": 50, "p90_ms": 50, "p99_ms": 50, "max_ms": 50,
		"p50_all_ms": 1, "p90_all_ms": 50, "p99_all_ms": 50, "max_all_ms": 50,
		"p50_ms[default]": 50, "p99_ms[default]": 50, "p50_all_ms[default]": 1, "p99_all_ms[default]": 50} {
		if got, okv := v[name]; !okv || !Near(&got, want) {
			t.Errorf("%s = %v (%v), want %v", name, got, okv, want)
		}
	}
	// Per second: 0.0-0.99 s holds attempts 0..99, all in second 0.
	// (A second's histograms keep 2 significant digits: within 1%.)
	within := func(p *float64, v float64) bool { return p != nil && *p >= v && *p <= v*1.01 }
	b := r.Timeline[0]
	if !within(b.P50Ms, 50) || !within(b.P99Ms, 50) || !within(b.P50AllMs, 1) || !within(b.P99AllMs, 50) {
		t.Errorf("second 0: p50 %v p99 %v all %v %v", *b.P50Ms, *b.P99Ms, *b.P50AllMs, *b.P99AllMs)
	}
}

// TestLatencyNothingReached: with no attempt at the service neither
// latency is measured, and the gates say why.
func TestLatencyNothingReached(t *testing.T) {
	r := NewAggregator(T0).Finish(T0)
	if r.LatencyMs.Measured() || r.LatencyAllMs.Measured() {
		t.Fatalf("latencies %s %s", LatencyString(r.LatencyMs), LatencyString(r.LatencyAllMs))
	}
	for _, name := range []string{"p50_ms", "p99_all_ms"} {
		if why := MissingReason(r, name); why != "not measured (no attempt reached the service)" {
			t.Errorf("%s: %q", name, why)
		}
	}
}

// TestLatencyOldReport: a report written before latency_all_ms existed
// reads back with its latency_ms, and the latency of all attempts as not
// recorded, not 0.
func TestLatencyOldReport(t *testing.T) {
	var r Report
	err := json.Unmarshal([]byte(`{"requests": {"total": 5, "ok": 5}, "latency_ms": {"mean": 2, "p50": 2, "p90": 3, "p99": 4, "max": 5}}`), &r)
	if err != nil {
		t.Fatal(err)
	}
	if !Near(r.LatencyMs.P99, 4) || r.LatencyAllMs.Measured() {
		t.Fatalf("latency %s all %s", LatencyString(r.LatencyMs), LatencyString(r.LatencyAllMs))
	}
	if why := MissingReason(&r, "p99_all_ms"); why != "not measured (not recorded in this report)" {
		t.Errorf("p99_all_ms: %q", why)
	}
}
