package livemetrics

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// BenchmarkAggregatorAttempt is the per-attempt cost of the observer on
// the aggregation path: AddAttempt alone, and with the live metrics
// watching (counter, latency and lag histograms, native and classic).
func BenchmarkAggregatorAttempt(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("metrics=%v", on), func(b *testing.B) {
			agg := reports.NewAggregator(time.Now())
			if on {
				e, err := New(Options{})
				if err != nil {
					b.Fatal(err)
				}
				agg.SetObserver(e.Scenario(Labels{Scenario: "bench", Run: "b"}))
			}
			agg.SetClasses([]string{"erp", "batch"})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				agg.AddAttempt(reports.Attempt{Caller: int32(i), Try: 1 + int32(i%3), Sent: time.Duration(i) * time.Microsecond,
					Latency: time.Duration(i%5000) * time.Microsecond, Class: [...]reports.Class{"", "timeout", "http_5xx"}[i%3], CallerClass: uint8(i % 2)})
			}
		})
	}
}

// BenchmarkStormMetrics is the speed check: the whole storm at a
// constant 1,000 callers/s against an in-process server, each caller one
// attempt of a 4.9 KB body (as the storm's own BenchmarkStormConstantRate),
// with the live metrics off and on. One op is one attempt; cpu-µs/attempt
// is the process's CPU (server included) per attempt. Compare the two in
// one session, alternating (-count): the machine's swings are larger
// than the difference.
func BenchmarkStormMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("metrics=%v", on), func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
			}))
			defer srv.Close()
			y := fmt.Sprintf("name: bench\nseed: 7\nsut: {url: %q}\ncallers: {count: %d, records: 20, record_bytes: 200, timeout: 10s}\n"+
				"arrival: {profile: constant, rate: 1000}\nrun: {max_duration: 2m, drain_timeout: 5s}\n", srv.URL, b.N)
			sc, err := scenarios.Parse("bench.yaml", []byte(y))
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			agg := reports.NewAggregator(start)
			var e *Exporter
			if on {
				// Served, as --metrics-addr would, and scraped once a second.
				if e, err = New(Options{Addr: "127.0.0.1:0"}); err != nil {
					b.Fatal(err)
				}
				defer e.Close(b.Context(), 0)
				agg.SetObserver(e.Scenario(Labels{Scenario: "bench", Run: "b", Start: start}))
				stop := scrape(b, "http://"+e.Addr()+MetricsPath)
				defer stop()
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuSeconds()
			if _, err := storm.Run(b.Context(), sc, storm.Options{Target: srv.URL, Start: start, Aggregator: agg}); err != nil {
				b.Fatal(err)
			}
			cpu := cpuSeconds() - cpu0
			b.StopTimer()
			if rep := agg.Finish(time.Now()); rep.Requests.OK != int64(b.N) {
				b.Fatalf("%d callers, %d ok", b.N, rep.Requests.OK)
			}
			b.ReportMetric(cpu*1e6/float64(b.N), "cpu-µs/attempt")
		})
	}
}

// scrape gets url once a second until stop is called.
func scrape(b *testing.B, url string) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				resp, err := http.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	return func() { close(quit); <-done }
}

// cpuSeconds is the process's user and system CPU so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// BenchmarkScrape is one scrape of the endpoint (text exposition, as a
// plain HTTP client asks for it, gzip included) of a storm with two caller
// classes whose histograms are populated: at one scrape a second and 1,000
// attempts a second, its cost per attempt is this figure / 1,000.
func BenchmarkScrape(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	agg := reports.NewAggregator(time.Now())
	agg.SetObserver(e.Scenario(Labels{Scenario: "bench", Run: "b"}))
	agg.SetClasses([]string{"erp", "batch"})
	for i := range 100_000 {
		agg.AddAttempt(reports.Attempt{Caller: int32(i), Try: 1 + int32(i%3), Sent: time.Duration(i) * time.Microsecond,
			Latency: time.Duration(i%5000) * time.Microsecond, Class: [...]reports.Class{"", "timeout", "http_5xx"}[i%3], CallerClass: uint8(i % 2)})
	}
	h := promhttp.HandlerFor(e.Gatherer(), promhttp.HandlerOpts{})
	req := httptest.NewRequest(http.MethodGet, MetricsPath, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
