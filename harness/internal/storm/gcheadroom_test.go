package storm

import (
	"runtime/debug"
	"testing"
)

func TestGCPercentKeepsAQuarterOfTheLiveHeap(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100},        // nothing measured: the default
		{8 * mb, 100},   // a small heap: never more than the default's headroom
		{32 * mb, 50},   // the 16 MB floor
		{50 * mb, 32},   // still the floor
		{200 * mb, 25},  // a quarter
		{4000 * mb, 25}, // a quarter, however big
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MB) = %d, want %d", c.live/mb, got, c.want)
		}
	}
}

// TestGCHeadroomNestsAndRestores: two storms at once keep the tighter
// percent, and the one before them comes back when the last ends.
func TestGCHeadroomNestsAndRestores(t *testing.T) {
	before := debug.SetGCPercent(90)
	defer debug.SetGCPercent(before)
	outer := holdGCHeadroom(50)
	inner := holdGCHeadroom(70) // looser than the outer's: the outer's stays
	if got := gcPercent(); got != 50 {
		t.Errorf("with storms at 50 and 70 the percent is %d, want 50", got)
	}
	inner()
	if got := gcPercent(); got != 50 {
		t.Errorf("after the inner storm the percent is %d, want 50", got)
	}
	outer()
	if got := gcPercent(); got != 90 {
		t.Errorf("after both storms the percent is %d, want the 90 before them", got)
	}
	if release := holdGCHeadroom(0); release == nil {
		t.Fatal("holdGCHeadroom(0) returned no release")
	}
}

// gcPercent reads the GC percent (SetGCPercent is the only reader).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
