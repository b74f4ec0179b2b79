package reports

import (
	"math"
	"math/rand/v2"
	"testing"
)

// withCounts sets each run's lost uploads and crashes to the given counts
// (nil leaves them as built).
func withCounts(runs []Run, lost, crashes []int64) []Run {
	for i := range runs {
		if lost != nil {
			runs[i].Report.Async.Lost = lost[i]
		}
		if crashes != nil {
			runs[i].Report.Crashes.Count = new(crashes[i])
		}
	}
	return runs
}

// poissonish draws n counts around mean with a Poisson's spread (sqrt of
// the mean), as a service that loses a share of its uploads gives.
func poissonish(rng *rand.Rand, mean float64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = max(0, int64(math.Round(mean+rng.NormFloat64()*math.Sqrt(mean))))
	}
	return out
}

// TestCompareOverlappingLossIsInconclusive: the same build compared with
// itself over five runs a side, losing 260 [250–271] and 268 [257–278]
// uploads, is tested across runs: inconclusive on lost, never worse.
func TestCompareOverlappingLossIsInconclusive(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	b := Build{Ms: 40, RunNoise: 0.05}
	base := withCounts(b.Runs(rng, "v1", 5), []int64{250, 255, 260, 266, 271}, nil)
	cand := withCounts(b.Runs(rng, "v1", 5), []int64{257, 262, 268, 273, 278}, nil)
	c := Compare(base, cand, CompareOptions{})
	m := Metric(t, c, "lost")
	if m.Test != TestRuns || m.Verdict != VerdictInconclusive || m.PHolm == nil || m.ShiftLow == nil || *m.ShiftLow >= 0 {
		t.Fatalf("lost: test %s verdict %s (%s), shift %v [%v, %v]", m.Test, m.Verdict, m.Reason, Deref(m.Shift), Deref(m.ShiftLow), Deref(m.ShiftHigh))
	}
	if *m.Baseline.Median != 260 || *m.Candidate.Median != 268 || m.Tolerance != 0 {
		t.Errorf("lost: medians %v vs %v, tolerance %v", *m.Baseline.Median, *m.Candidate.Median, m.Tolerance)
	}
	if c.Worse() {
		t.Fatalf("overlapping losses called worse: %s", c.Headline())
	}
	// Three runs a side: Welch's t across runs, still not worse.
	c3 := Compare(base[:3], cand[:3], CompareOptions{})
	if m := Metric(t, c3, "lost"); m.Test != TestRunsWelch || m.Verdict == VerdictWorse {
		t.Fatalf("3 runs a side: lost %s %s (%s)", m.Test, m.Verdict, m.Reason)
	}
}

// TestCompareIdenticalLossNeverWorse: two sides drawing lost uploads and
// crashes from one distribution (about 260 lost and 3 crashes a run) are
// never worse in the first 10 of 200 comparisons, and worse in under 1% of
// them, with 5 runs a side and with 3.
func TestCompareIdenticalLossNeverWorse(t *testing.T) {
	b := Build{Ms: 40, RunNoise: 0.10}
	for _, n := range []int{5, 3} {
		worse := 0
		for i := range 200 {
			rng := rand.New(rand.NewPCG(uint64(i), 23))
			side := func() []Run { return withCounts(b.Runs(rng, "a", n), poissonish(rng, 260, n), poissonish(rng, 3, n)) }
			c := Compare(side(), side(), CompareOptions{})
			for _, name := range []string{"lost", "crashes"} {
				if m := Metric(t, c, name); m.Verdict == VerdictWorse {
					worse++
					if i < 10 {
						t.Errorf("%d runs, repetition %d: identical %s called worse (%v vs %v runs)", n, i, name, values(m.Baseline), values(m.Candidate))
					}
				}
			}
		}
		t.Logf("identical losses, %d runs a side: %d of 400 integrity verdicts worse", n, worse)
		if worse > 4 {
			t.Fatalf("%d runs a side: %d of 400 integrity verdicts of identical builds worse", n, worse)
		}
	}
}

// TestCompareLossFromNoneIsExact: none lost in every baseline run against
// any loss in the candidate is worse exactly as before (no test, no noise
// can explain it), and so is a crash where the baseline never crashed;
// a loss that doubles is worse by the test.
func TestCompareLossFromNoneIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	b := Build{Ms: 40, RunNoise: 0.05}
	base := withCounts(b.Runs(rng, "v1", 5), []int64{0, 0, 0, 0, 0}, []int64{0, 0, 0, 0, 0})
	cand := withCounts(b.Runs(rng, "v2", 5), []int64{0, 0, 3, 0, 0}, []int64{0, 1, 0, 0, 0})
	c := Compare(base, cand, CompareOptions{})
	for _, name := range []string{"lost", "crashes"} {
		if m := Metric(t, c, name); m.Test != TestExact || m.Verdict != VerdictWorse {
			t.Errorf("%s: %s %s (%s)", name, m.Test, m.Verdict, m.Reason)
		}
	}
	// The other way round: the candidate never lost what the baseline did.
	if m := Metric(t, Compare(cand, base, CompareOptions{}), "lost"); m.Test != TestExact || m.Verdict != VerdictBetter {
		t.Errorf("lost fixed: %s %s", m.Test, m.Verdict)
	}
	// One run a side, none against some: exact as well.
	if m := Metric(t, Compare(base[2:3], cand[2:3], CompareOptions{}), "lost"); m.Test != TestExact || m.Verdict != VerdictWorse {
		t.Errorf("one run a side: lost %s %s", m.Test, m.Verdict)
	}
	doubled := withCounts(b.Runs(rng, "v2", 5), []int64{510, 525, 530, 540, 555}, nil)
	some := withCounts(b.Runs(rng, "v1", 5), []int64{250, 255, 260, 266, 271}, nil)
	if m := Metric(t, Compare(some, doubled, CompareOptions{}), "lost"); m.Test != TestRuns || m.Verdict != VerdictWorse {
		t.Errorf("lost doubled: %s %s (%s)", m.Test, m.Verdict, m.Reason)
	}
}

// values is a side's runs, for messages.
func values(s *SideStats) []float64 {
	if s == nil {
		return nil
	}
	var out []float64
	for _, v := range s.Runs {
		out = append(out, Deref(v))
	}
	return out
}
