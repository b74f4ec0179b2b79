package harness

import (
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestBuiltinSeedDay runs the built-in seed-day-async scenario, scaled
// down, in its container: periodic callers and their storm on top make
// exactly the uploads the schedule says, each accepted upload is followed
// to its end, and the crash watch ran.
func TestBuiltinSeedDay(t *testing.T) {
	var want int64
	r := runBuiltin(t, "seed-day-async", func(sc *scenarios.Scenario) {
		sc.Callers.Count = 40
		sc.Callers.Every = scenarios.Duration(8 * time.Second)
		sc.Callers.Jitter = scenarios.Duration(time.Second)
		sc.Run.Duration = scenarios.Duration(20 * time.Second)
		sc.Storm.At = scenarios.Duration(10 * time.Second)
		sc.Arrival.Window = scenarios.Duration(2 * time.Second)
		want = 40 // the storm's
		p := sc.Periodic()
		for i := range 40 {
			for k := 0; ; k++ {
				if _, ok := p.At(i, k); !ok {
					break
				}
				want++
			}
		}
	})
	u, a := r.Uploads, r.Async
	if u == nil || u.Total != want || u.Storm != 40 || a == nil || a.Accepted != want || !r.Crashes.Measured() {
		t.Fatalf("uploads %+v (want %d) async %+v crashes measured %v", u, want, a, r.Crashes.Measured())
	}
	if a.Completed != want || r.Callers.Succeeded != 40 {
		t.Fatalf("async %+v callers %+v", a, r.Callers)
	}
}
