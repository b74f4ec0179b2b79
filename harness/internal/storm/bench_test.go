package storm

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// The benchmarks below drive the whole hot path (schedule, pacer, wire,
// streamed per-caller bodies, per-caller timeouts, aggregation) against
// bench/server running as its own process on loopback, so that B/op and
// allocs/op are the generator's alone. One op is one caller, which sends
// exactly one attempt, so B/op and allocs/op are per attempt;
// cpu-µs/attempt is this process's. Each run is bounded by its rate:
// -benchtime 2s means about 2 s of storm. Side-by-side process numbers
// against the vegeta CLI: bench/vs-vegeta.sh and bench/knee.sh.

// serverBin is bench/server, built once per test binary.
var serverBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "rehearse-bench-server")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "server")
	cmd := exec.Command("go", "build", "-o", bin, "../../../bench/server")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build bench/server: %v\n%s", err, out)
	}
	return bin, nil
})

// benchServer starts bench/server, which drains every body and answers
// 200; served returns how many requests it answered, read from what it
// prints when stopped.
func benchServer(b *testing.B) (url string, served func() int64) {
	b.Helper()
	bin, err := serverBin()
	if err != nil {
		b.Fatal(err)
	}
	addrFile := filepath.Join(b.TempDir(), "addr")
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-addr-file", addrFile)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	}
	b.Cleanup(stop)
	for range 100 {
		if a, err := os.ReadFile(addrFile); err == nil {
			url = "http://" + strings.TrimSpace(string(a))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if url == "" {
		b.Fatalf("bench/server did not start: %s", stderr.String())
	}
	return url, func() int64 {
		stop()
		var n int64
		if i := strings.Index(stderr.String(), "requests="); i >= 0 {
			_, _ = fmt.Sscanf(stderr.String()[i:], "requests=%d", &n)
		}
		return n
	}
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
	url, served := benchServer(b)
	sc := benchScenario(b, url, b.N, records, arrival(b.N), api...)
	prepared, err := Prepare(b.Context(), sc, Options{Target: url})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	agg := reports.NewAggregator(start)
	st, err := prepared.Run(b.Context(), start, agg)
	if err != nil {
		b.Fatal(err)
	}
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	rep := agg.Finish(time.Now())
	if n := served(); rep.Requests.OK != int64(b.N) || n != int64(b.N) || st.Stopped != "done" {
		b.Fatalf("%d callers: ok %d, served %d, errors %v, stopped %s",
			b.N, rep.Requests.OK, n, rep.Requests.Errors, st.Stopped)
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

// BenchmarkReferenceBody streams one 20-record caller body of the
// reference request, the per-attempt body cost of the wire.
func BenchmarkReferenceBody(b *testing.B) {
	sc := benchScenario(b, "http://127.0.0.1:1", 1000, 20, "{profile: burst, window: 1s}")
	req := harnesstest.Requests(b, sc)
	b.SetBytes(req.BodyLen(0, 1))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n, err := io.Copy(io.Discard, req.Body(i%sc.Callers.Count, 1))
		if err != nil || n != req.BodyLen(i%sc.Callers.Count, 1) {
			b.Fatalf("body %d: %d bytes, %v", i, n, err)
		}
	}
}
