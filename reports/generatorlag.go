package reports

import "time"

// LateLag is how far behind its intended time an attempt may leave before
// it counts as late: the generator's own delay is then in its latency.
const LateLag = 10 * time.Millisecond

// Stall is one second in which the generator fell behind its schedule.
type Stall struct {
	AtS      float64 `json:"at_s"`       // the second's start, from the storm's
	Late     int64   `json:"late"`       // attempts sent more than LateLag late in it
	MaxLagMs float64 `json:"max_lag_ms"` // the most one of them was late
	Attempts int64   `json:"attempts"`   // attempts sent in it
}

// sustainedSeconds is how many late seconds in a row make the generator
// the limit: one late instant (a GC pause, a disk flush) is a stall, not
// a generator that cannot keep up.
const sustainedSeconds = 3

// maxStalls bounds the stalls a report lists; minStall is the fewest
// late attempts a stall has.
const (
	maxStalls = 5
	minStall  = 3
)

// lateness reads the generator's lag second by second. A second is
// behind when more than half of the attempts it sent left LateLag late:
// the generator itself could not keep its schedule. Saturated when that
// is sustained — sustainedSeconds in a row, or half of a storm shorter
// than that. A second with some late attempts (over a tenth, at least
// minStall) that is not part of such a run is a stall, listed (the first
// maxStalls); a late attempt here and there on a busy machine is neither.
func (a *Aggregator) lateness() (saturated bool, stalls []Stall) {
	run, lateSeconds, seconds := 0, 0, 0
	for i := range a.buckets {
		b := &a.buckets[i]
		if b.sent == 0 {
			run = 0
			continue
		}
		seconds++
		if b.late*2 > b.sent {
			lateSeconds++
			if run++; run >= sustainedSeconds {
				saturated = true
			}
		} else {
			run = 0
		}
		if b.late >= minStall && b.late*10 > b.sent && len(stalls) < maxStalls {
			stalls = append(stalls, Stall{AtS: float64(i), Late: b.late, MaxLagMs: ms(int64(b.maxLag / time.Microsecond)), Attempts: b.sent})
		}
	}
	if seconds < 2*sustainedSeconds && lateSeconds*2 >= seconds && lateSeconds > 0 {
		saturated = true
	}
	if saturated {
		return true, nil
	}
	return false, stalls
}
