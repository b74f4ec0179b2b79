package capacity

import "github.com/rehearse-dev/rehearse/reports"

// collapseDrop is how far goodput must fall below a lower level's to be a
// collapse rather than a plateau: identical runs on this kind of shared
// machine differ by a few percent, and a plateau that wobbles is not a
// collapse.
const collapseDrop = 0.10

// Classify names how the service failed at its first failing level, from
// that level's first failing probe against the valid probes of lower
// levels, in this order:
//   - collapse: it crashed (OOM kills included);
//   - loss: accepted work was lost;
//   - collapse: its goodput fell more than 10% below a lower level's;
//   - shedding: 429 or 503 answers rose above the level below's;
//   - slowdown: timeouts or the p99 rose — and what is left, a gate that
//     failed without any of these signs.
//
// ModeNone when no level failed.
func Classify(probes []reports.CapacityProbe, fail *int) string {
	if fail == nil {
		return reports.ModeNone
	}
	f, ok := firstFailing(probes, *fail)
	if !ok {
		return reports.ModeNone
	}
	below := bestBelow(probes, *fail)
	switch {
	case f.Crashes != nil && *f.Crashes > 0:
		return reports.ModeCollapse
	case f.Lost != nil && *f.Lost > 0:
		return reports.ModeLoss
	case f.GoodputRPS != nil && below.GoodputRPS != nil && *f.GoodputRPS < (1-collapseDrop)**below.GoodputRPS:
		return reports.ModeCollapse
	case f.HTTP429+f.HTTP503 > below.HTTP429+below.HTTP503:
		return reports.ModeShedding
	default:
		return reports.ModeSlowdown
	}
}

// firstFailing is the first valid failing probe at level.
func firstFailing(probes []reports.CapacityProbe, level int) (reports.CapacityProbe, bool) {
	for _, p := range probes {
		if p.Level == level && p.Valid && p.Verdict != reports.VerdictPass {
			return p, true
		}
	}
	return reports.CapacityProbe{}, false
}

// bestBelow is the valid probe below level with the highest goodput: the
// plateau a failing level is measured against (zero when none).
func bestBelow(probes []reports.CapacityProbe, level int) reports.CapacityProbe {
	var best reports.CapacityProbe
	for _, p := range probes {
		if !p.Valid || p.Level >= level || p.GoodputRPS == nil {
			continue
		}
		if best.GoodputRPS == nil || *p.GoodputRPS > *best.GoodputRPS {
			best = p
		}
	}
	return best
}

// FirstFailedGate is the first gate that failed in the first failing
// probe at level; nil when none did.
func FirstFailedGate(probes []reports.CapacityProbe, fail *int) *string {
	if fail == nil {
		return nil
	}
	if f, ok := firstFailing(probes, *fail); ok && len(f.GatesFailed) > 0 {
		return &f.GatesFailed[0]
	}
	return nil
}
