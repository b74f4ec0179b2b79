package storm

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// BenchmarkPreparedCallers measures the heap a storm holds for its
// callers before the first upload (Prepare): bytes per caller, for a
// population of 100,000, 1,000,000 and 10,000,000 (memory in proportion to
// what is in flight, not to the population).
func BenchmarkPreparedCallers(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("callers=%d", n), func(b *testing.B) {
			sc := scenario(b, "http://127.0.0.1:9", fmt.Sprintf("callers: {count: %d, records: 5}\narrival: {profile: constant, rate: 1000}\n", n))
			for range b.N {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				p, err := Prepare(b.Context(), sc, Options{Target: "http://127.0.0.1:9", Aggregator: reports.NewAggregator(time.Now())})
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/caller")
				runtime.KeepAlive(p)
			}
		})
	}
}
