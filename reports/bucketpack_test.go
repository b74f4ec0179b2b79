package reports

import (
	"testing"
	"time"
)

// A long run's old seconds are packed, and its timeline is the same as if
// they were not: a run of 400 seconds keeps the first 100 compressed, and
// every second's p50 and p99 equal those of a short run of that second
// alone; an answer that lands in a packed second still counts.
func TestOldSecondsArePackedLosingNothing(t *testing.T) {
	long := NewAggregator(time.Now())
	attempt := func(s, i int) Attempt {
		at := time.Duration(s)*time.Second + time.Duration(i)*time.Millisecond
		return Attempt{Caller: int32(s*10 + i), Try: 1, Intended: at, Sent: at, Latency: time.Duration(1+s%7+i*3) * time.Millisecond, Status: 200}
	}
	for s := range 400 {
		for i := range 10 {
			long.AddAttempt(attempt(s, i))
		}
	}
	if b := &long.buckets[0]; b.lat != nil || b.packedLat == nil || long.packedTo != 99 {
		t.Fatalf("second 0 not packed: packed to %d", long.packedTo)
	}
	late := attempt(5, 9)
	late.Latency = 9 * time.Second // answered long after: lands in a packed second
	long.AddAttempt(late)
	got := long.Finish(time.Now()).Timeline
	for _, s := range []int{0, 5, 99, 399} {
		one := NewAggregator(time.Now())
		for i := range 10 {
			one.AddAttempt(attempt(s, i))
		}
		if s == 5 {
			one.AddAttempt(late)
		}
		want := one.Finish(time.Now()).Timeline[s]
		if g := got[s]; *g.P50Ms != *want.P50Ms || *g.P99Ms != *want.P99Ms || g.Sent != want.Sent {
			t.Fatalf("second %d: p50 %v p99 %v sent %d, want %v %v %d", s, *g.P50Ms, *g.P99Ms, g.Sent, *want.P50Ms, *want.P99Ms, want.Sent)
		}
	}
}
