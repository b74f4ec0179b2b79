package capacity

import "time"

// left estimates the rest of the search: the bisection steps the bracket
// still needs, then the repeats of its two levels, each at the mean probe
// length so far. Negative when no level has failed yet (the growth may go
// on) or no probe has finished.
func (s *searcher) left() time.Duration {
	b := s.bracket()
	if b.Pass == nil || b.Fail == nil || len(s.probes) == 0 {
		return -1
	}
	k := max(1, s.cfg.Repeat)
	pass, fail := *b.Pass, *b.Fail
	steps := 0
	for !s.within(pass, fail) {
		fail = pass + (fail-pass)/2 // as if each probe failed: the precision is of the pass, so this is the longer way
		steps++
	}
	var repeats int
	if steps > 0 {
		repeats = 2 * (k - 1) // the final two levels are new: one run each so far
	} else {
		repeats = max(0, k-s.levels[*b.Pass].Runs) + max(0, k-s.levels[*b.Fail].Runs)
	}
	per := s.spent / time.Duration(len(s.probes))
	return per * time.Duration(steps+repeats)
}
