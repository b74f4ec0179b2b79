package storm

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// The benchmarks below drive the whole hot path (schedule, vegeta attacker,
// streamed per-caller bodies, per-caller timeouts, aggregation) against a
// trivial in-process httptest server on loopback. One op is one caller,
// which sends exactly one attempt, so B/op and allocs/op are per attempt;
// they and cpu-µs/attempt include the in-process server's share. Each run
// is bounded by its rate: -benchtime 2s means about 2 s of storm.
// Side-by-side process numbers against the vegeta CLI: bench/vs-vegeta.sh.

// benchServer drains every body and answers 200; it counts the requests.
func benchServer(b *testing.B) (*httptest.Server, *atomic.Int64) {
	b.Helper()
	var n atomic.Int64
	buf := make(chan []byte, 256)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p []byte
		select {
		case p = <-buf:
		default:
			p = make([]byte, 32<<10)
		}
		_, _ = io.CopyBuffer(io.Discard, r.Body, p)
		select {
		case buf <- p:
		default:
		}
		n.Add(1)
	}))
	b.Cleanup(srv.Close)
	return srv, &n
}

func benchScenario(b *testing.B, url string, callers, records int, arrival string, api ...string) *scenarios.Scenario {
	b.Helper()
	y := fmt.Sprintf("name: bench\nseed: 7\nsut: {url: %q}\n"+
		"callers: {count: %d, records: %d, record_bytes: 200, timeout: 10s}\n"+
		"arrival: %s\nrun: {max_duration: 2m, drain_timeout: 5s}\n", url, callers, records, arrival)
	for _, a := range api {
		y += a
	}
	sc, err := scenarios.Parse("bench.yaml", []byte(y))
	if err != nil {
		b.Fatal(err)
	}
	return sc
}

// runStormBench runs one storm of b.N callers and reports attempts/s,
// process CPU per attempt and the generator's lag p99.
func runStormBench(b *testing.B, records int, arrival func(n int) string, api ...string) {
	srv, served := benchServer(b)
	sc := benchScenario(b, srv.URL, b.N, records, arrival(b.N), api...)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	agg := reports.NewAggregator(start)
	st, err := Run(b.Context(), sc, Options{Target: srv.URL, Start: start, Aggregator: agg})
	if err != nil {
		b.Fatal(err)
	}
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	rep := agg.Finish(time.Now())
	if rep.Requests.OK != int64(b.N) || served.Load() != int64(b.N) || st.Stopped != "done" {
		b.Fatalf("%d callers: ok %d, served %d, errors %v, stopped %s",
			b.N, rep.Requests.OK, served.Load(), rep.Requests.Errors, st.Stopped)
	}
	b.ReportMetric(float64(b.N)/wall.Seconds(), "attempts/s")
	b.ReportMetric(cpu*1e6/float64(b.N), "cpu-µs/attempt")
	b.ReportMetric(rep.Generator.LagP99Ms, "lag-p99-ms")
}

// BenchmarkStormConstantRate is the fixed-rate case: callers of 20
// records of 200 B (a 4.9 KB body) arriving at a constant rate. At 1,000/s
// the figure of merit is cpu-µs/attempt; at 5,000/s, that the achieved
// attempts/s keeps up and lag stays low.
func BenchmarkStormConstantRate(b *testing.B) {
	for _, rate := range []int{1000, 5000, 9000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			runStormBench(b, 20, func(int) string {
				return fmt.Sprintf("{profile: constant, rate: %d}", rate)
			})
		})
	}
}

// BenchmarkStormBurstLargeBodies sends callers of 2,000 records (492 KB
// bodies, streamed from the population's arena) in a burst at 200
// callers/s, about 100 MB/s of upload: the cost of the streaming path.
func BenchmarkStormBurstLargeBodies(b *testing.B) {
	runStormBench(b, 2000, func(n int) string {
		return fmt.Sprintf("{profile: burst, window: %dms}", max(1, n*1000/200))
	})
}

// BenchmarkStormTemplates compares the storm's CPU per attempt with the
// reference JSON body and with a team-shaped multipart CSV of about the
// same size (200 records of 200 B, ~50 KB) behind a bearer token, at 500
// callers/s: what request templates cost the generator.
func BenchmarkStormTemplates(b *testing.B) {
	b.Setenv("BENCH_TOKEN", "bench-token")
	for _, c := range []struct{ name, api string }{
		{"json-reference", ""},
		{"multipart-csv", "api:\n  upload:\n    path: \"/api/v3/batches?tenant={caller}\"\n" +
			"    headers: {Authorization: \"Bearer ${BENCH_TOKEN}\"}\n" +
			"    body: {format: multipart, fields: {tenant: \"{caller}\"}, part: {format: csv}, " +
			"csv_header: \"id,value\", record: \"{record.id},{record.payload}\"}\n"},
	} {
		b.Run(c.name, func(b *testing.B) {
			runStormBench(b, 200, func(int) string { return "{profile: constant, rate: 500}" }, c.api)
		})
	}
}

// BenchmarkPopulationBody streams one 20-record caller body, the per-attempt
// body cost of the engine's RoundTrip.
func BenchmarkPopulationBody(b *testing.B) {
	sc := benchScenario(b, "http://127.0.0.1:1", 1000, 20, "{profile: burst, window: 1s}")
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(pop.BodyLen(0))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n, err := io.Copy(io.Discard, pop.Body(i%pop.Len()))
		if err != nil || n != pop.BodyLen(i%pop.Len()) {
			b.Fatalf("body %d: %d bytes, %v", i, n, err)
		}
	}
}
