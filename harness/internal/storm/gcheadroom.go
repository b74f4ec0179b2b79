package storm

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A big storm's heap is mostly its callers' state (caller.go, periodic.go),
// alive for the whole run; the garbage it makes is its attempts', in
// proportion to what is in flight. Go's default collector lets the heap
// grow by as much as is live before it collects (GOGC=100): for a million
// periodic callers that doubles 70 MB no attempt ever needs. So while a
// storm of many callers runs, the collector's headroom is a quarter of
// the live heap, or gcHeadroomFloor (16 MB) when that is more — never more than
// the default's — and set back when the last such storm ends. A GOGC the
// user set is left alone.

// gcHeadroomFloor is the headroom a storm keeps whatever its callers:
// thousands of attempts' garbage between two collections. The collector
// then runs about once a second at 5,000 attempts/s, marking the
// callers' state each time: a few percent of a core.
const gcHeadroomFloor = 16 << 20

// gcHeadroomFrom is the callers from which a storm sets the headroom:
// below it the callers' state is a few MB and the default is cheap.
const gcHeadroomFrom = 100_000

var gcHeadroom struct {
	sync.Mutex
	storms int // storms holding a headroom now
	saved  int // the GC percent before the first of them
}

// gcPercentFor is the GC percent that keeps the headroom over live bytes
// at max(live/4, gcHeadroomFloor), between 25 and 100.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 100
	}
	return max(25, min(100, int(uint64(gcHeadroomFloor)*100/live)))
}

// liveHeap collects, gives what building the callers left behind back
// to the system, then reads the live heap: the storm's callers.
func liveHeap() uint64 {
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// holdGCWhileBuilding keeps the collector at the tightest headroom while
// a storm of callers callers is built (Prepare): its state grows in
// large slices, and at the default each would let the heap double first.
// The release is gcPercentAfterBuild's to follow.
func holdGCWhileBuilding(callers int) (release func()) {
	if !tunesGC(callers) {
		return func() {}
	}
	return holdGCHeadroom(25)
}

// gcPercentAfterBuild is the GC percent a storm of callers callers,
// just built, runs under; 0 leaves the collector as it is (a small storm,
// a user's GOGC). Prepare asks, before the storm's clock starts: it
// collects once.
func gcPercentAfterBuild(callers int) int {
	if !tunesGC(callers) {
		return 0
	}
	return gcPercentFor(liveHeap())
}

// holdGCHeadroom sets GC percent p (0: nothing) for a storm and returns
// what sets it back once no storm holds one.
func holdGCHeadroom(p int) (release func()) {
	if p == 0 {
		return func() {}
	}
	h := &gcHeadroom
	h.Lock()
	defer h.Unlock()
	old := debug.SetGCPercent(p)
	if h.storms == 0 {
		h.saved = old
	} else if old < p {
		debug.SetGCPercent(old) // another storm's is tighter: keep it
	}
	h.storms++
	return func() {
		h.Lock()
		defer h.Unlock()
		if h.storms--; h.storms == 0 {
			debug.SetGCPercent(h.saved)
		}
	}
}

// tunesGC says whether a storm of callers callers sets the collector's
// headroom: a big one, and no GOGC of the user's.
func tunesGC(callers int) bool { return callers >= gcHeadroomFrom && os.Getenv("GOGC") == "" }
