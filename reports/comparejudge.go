package reports

import (
	"fmt"
	"math"
	"slices"

	"github.com/rehearse-dev/rehearse/reports/stats"
)

// MetricResult is one compared metric. Values are in the metric's unit;
// shifts are candidate - baseline. A side without a value (not measured,
// not applicable) is null with a note saying why, and the verdict is n/a.
type MetricResult struct {
	Name           string     `json:"name"`
	Unit           string     `json:"unit"`
	HigherIsBetter bool       `json:"higher_is_better"`
	Test           string     `json:"test"` // runs | attempts | point | exact | "" (n/a)
	Baseline       *SideStats `json:"baseline"`
	Candidate      *SideStats `json:"candidate"`
	BaselineNote   string     `json:"baseline_note,omitempty"`
	CandidateNote  string     `json:"candidate_note,omitempty"`
	// Shift is the Hodges-Lehmann shift (runs), the difference of the
	// medians (attempts, point) or of the means per run (exact); null when
	// infinite (a percentile not reached on one side only).
	Shift     *float64 `json:"shift"`
	ShiftLow  *float64 `json:"shift_low"`  // the 95% interval of Shift (runs only; null with too few runs)
	ShiftHigh *float64 `json:"shift_high"` //
	CILevel   *float64 `json:"ci_level"`   // the interval's actual confidence
	RelShift  *float64 `json:"rel_shift"`  // Shift / the baseline's median; null when that is 0 or not reached
	PValue    *float64 `json:"p_value"`    // Mann-Whitney, two-sided: across runs, or over attempts
	PHolm     *float64 `json:"p_holm"`     // PValue after Holm across the metrics tested across runs
	Tolerance float64  `json:"tolerance"`  // how far it may move, in its unit, against this baseline
	TolText   string   `json:"tolerance_text"`
	Verdict   string   `json:"verdict"` // better | worse | same | inconclusive | n/a
	Reason    string   `json:"reason"`  // why, in one line

	est, lo, hi float64 // the shift and its interval, ±Inf kept
	hasCI       bool
	logScale    bool    // Welch's t ran on the logarithms
	ratio       float64 // then, the candidate's geometric mean over the baseline's
}

// Interval is the candidate's shift from the baseline as judged, with its
// 95% interval when ok: ±Inf kept where the JSON has null (a
// side that did not reach the metric).
func (r MetricResult) Interval() (est, lo, hi float64, ok bool) {
	return r.est, r.lo, r.hi, r.hasCI
}

// SideStats is one side's values of a metric over its runs.
type SideStats struct {
	Median *float64   `json:"median"` // null when not reached (more than half the runs did not reach it)
	Min    *float64   `json:"min"`
	Max    *float64   `json:"max"`  // null when a run did not reach it
	Runs   []*float64 `json:"runs"` // each run's value in run order; null: not reached
	// NotReached counts the runs whose completion percentile was not
	// reached (too few callers completed).
	NotReached int `json:"not_reached,omitempty"`

	median, min, max, mean float64
}

// Spread is the side's median, least and most value over its runs, +Inf
// where a run did not reach the metric (the JSON's null).
func (s *SideStats) Spread() (median, least, most float64) { return s.median, s.min, s.max }

// statsOf summarises one side's values (+Inf: not reached).
func statsOf(v []float64) *SideStats {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 && !math.IsInf(s[n/2], 0) {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	st := &SideStats{median: med, min: s[0], max: s[n-1], Runs: []*float64{}}
	st.Median, st.Min, st.Max = finite(med), finite(s[0]), finite(s[n-1])
	for _, x := range v {
		st.Runs = append(st.Runs, finite(x))
		if math.IsInf(x, 1) {
			st.NotReached++
		} else {
			st.mean += x
		}
	}
	st.mean /= float64(n)
	return st
}

// sideValues is metric name of each run, or why some run has none.
func sideValues(runs []Run, name string) ([]float64, string) {
	var vals []float64
	missing, why := 0, ""
	for _, r := range runs {
		v, ok, note := runValue(r.Report, name)
		if !ok {
			missing, why = missing+1, note
			continue
		}
		vals = append(vals, v)
	}
	switch {
	case missing == len(runs):
		return nil, why
	case missing > 0:
		return nil, fmt.Sprintf("%s in %d of %d runs", why, missing, len(runs))
	}
	return vals, ""
}

// judgeMetric measures m on both sides and runs its test; the verdict is
// settled after Holm's correction (settle).
func judgeMetric(m compareMetric, base, cand []Run, opts CompareOptions, attemptP *float64) MetricResult {
	r := MetricResult{Name: m.name, Unit: m.unit, HigherIsBetter: m.higherIsBetter, Verdict: NotApplicable}
	b, bNote := sideValues(base, m.name)
	c, cNote := sideValues(cand, m.name)
	r.BaselineNote, r.CandidateNote = bNote, cNote
	if b != nil {
		r.Baseline = statsOf(b)
	}
	if c != nil {
		r.Candidate = statsOf(c)
	}
	var baseMedian *float64
	if r.Baseline != nil {
		baseMedian = &r.Baseline.median
	}
	r.Tolerance, r.TolText = m.tolerance(opts, baseMedian)
	if b == nil || c == nil {
		r.Reason = "not on both sides"
		return r
	}
	if r.Baseline.NotReached == len(b) && r.Candidate.NotReached == len(c) {
		r.Reason = "not reached on either side"
		return r
	}
	switch {
	case m.integrity && (allZero(b) || allZero(c)):
		r.Test, r.est = TestExact, r.Candidate.mean-r.Baseline.mean
	case r.Baseline.NotReached == len(b) && r.Candidate.NotReached == 0:
		// Reached in every candidate run, in no baseline run: the order is
		// certain, whatever the number of runs.
		r.Test, r.est = TestExact, math.Inf(-1)
	case r.Candidate.NotReached == len(c) && r.Baseline.NotReached == 0:
		r.Test, r.est = TestExact, math.Inf(1)
	case len(b) >= 2 && len(c) >= 2:
		r.Test = TestRuns
		r.acrossRuns(b, c, m.logScale)
	case m.latency && attemptP != nil:
		r.Test, r.PValue, r.est = TestAttempts, attemptP, r.Candidate.median-r.Baseline.median
	default:
		r.Test, r.est = TestPoint, r.Candidate.median-r.Baseline.median
	}
	r.Shift = finite(r.est)
	switch {
	case r.logScale:
		r.RelShift = finite(r.ratio - 1)
	case r.Baseline.median != 0 && !math.IsInf(r.Baseline.median, 0) && r.Shift != nil:
		r.RelShift = finite(*r.Shift / math.Abs(r.Baseline.median))
	}
	return r
}

// allZero reports whether every run of a side counted nothing. An
// integrity count is compared exactly only then: any count against none in
// every run is a real difference, while two sides that both lose some
// differ by noise too and are tested like any other metric.
func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// acrossRuns is the test across runs: none when no run differed from any
// other (a shift of exactly 0), else Mann-Whitney and Hodges-Lehmann.
func (r *MetricResult) acrossRuns(b, c []float64, logScale bool) {
	if r.Baseline.min == r.Candidate.max && r.Baseline.max == r.Candidate.min {
		r.hasCI = true // every value equal: the shift is 0, exactly
		r.ShiftLow, r.ShiftHigh = new(float64), new(float64)
		return
	}
	if (len(b) < minRankRuns || len(c) < minRankRuns) && r.Baseline.NotReached+r.Candidate.NotReached == 0 {
		r.Test = TestRunsWelch
		d, p, lo, hi, ratio := welchShift(b, c, logScale)
		r.est, r.PValue, r.hasCI, r.lo, r.hi = d, &p, true, lo, hi
		r.ShiftLow, r.ShiftHigh, r.CILevel = finite(lo), finite(hi), ptrTo(0.95)
		r.logScale, r.ratio = ratio > 0, ratio
		return
	}
	p := stats.RankTest(b, c)
	r.PValue = &p
	hl := stats.HodgesLehmann(b, c, 0.95)
	r.est = hl.Estimate
	if hl.Low != nil {
		r.hasCI, r.lo, r.hi = true, *hl.Low, *hl.High
		r.ShiftLow, r.ShiftHigh, r.CILevel = finite(r.lo), finite(r.hi), &hl.Level
	}
}

// bad turns a change into "how much worse": positive is worse.
func (r *MetricResult) bad(d float64) float64 {
	if r.HigherIsBetter {
		return -d
	}
	return d
}

// settle sets the verdict and its reason once Holm's correction is known.
func (r *MetricResult) settle(opts CompareOptions) {
	if r.Test == "" {
		return
	}
	tol := r.Tolerance
	switch r.Test {
	case TestExact:
		r.Verdict = byPoint(r.bad(r.est), r.bad(r.est), tol)
		r.Reason = fmt.Sprintf("mean per run %s → %s; none in every run of one side, so any difference is real", fmtNum(r.Baseline.mean), fmtNum(r.Candidate.mean))
		if math.IsInf(r.est, 0) {
			r.Reason = "reached in every run of one side and in no run of the other"
		}
	case TestPoint:
		r.Verdict = byPoint(r.rangeGap())
		r.Reason = "one run: ranges compared with the tolerance"
	case TestAttempts:
		r.Verdict = byTest(r.bad(r.est), r.bad(r.est), tol, *r.PValue < opts.AttemptAlpha)
		r.Reason = fmt.Sprintf("attempts of one run, p %s (level %g)", FormatP(*r.PValue), opts.AttemptAlpha)
	case TestRuns, TestRunsWelch:
		r.settleRuns(opts)
	}
}

// settleRuns: worse (better) when the Holm-corrected p is below alpha and
// the whole interval is beyond the tolerance on the bad (good) side; same
// when the interval is within the tolerance; else inconclusive.
func (r *MetricResult) settleRuns(opts CompareOptions) {
	if r.PValue == nil {
		r.Verdict, r.Reason = VerdictSame, "no run differed from another"
		return
	}
	if !r.hasCI {
		r.Verdict = VerdictInconclusive
		r.Reason = "too few runs for a 95% interval (4 a side at least, 5 recommended)"
		return
	}
	lo, hi := r.bad(r.lo), r.bad(r.hi)
	if lo > hi {
		lo, hi = hi, lo
	}
	r.Verdict = byTest(lo, hi, r.Tolerance, *r.PHolm < opts.Alpha)
	r.Reason = fmt.Sprintf("p %s, after Holm %s (level %g)", FormatP(*r.PValue), FormatP(*r.PHolm), opts.Alpha)
	if r.Test == TestRunsWelch {
		r.Reason += fmt.Sprintf("; fewer than %d runs a side: Welch's t on the runs' values (assumes them roughly normal", minRankRuns)
		if r.logScale {
			r.Reason += fmt.Sprintf(", on a log scale: ratio %.3g", r.ratio)
		}
		r.Reason += ")"
	}
}

// rangeGap is how far the candidate's values lie beyond the baseline's on
// the bad side (lo: the gap between the nearest ends; hi: the farthest),
// and the tolerance, for byPoint.
func (r *MetricResult) rangeGap() (float64, float64, float64) {
	b, c := r.Baseline, r.Candidate
	worseGap := r.bad(c.min - b.max) // > 0: every candidate value beyond every baseline one
	betterGap := r.bad(c.max - b.min)
	if r.HigherIsBetter {
		worseGap, betterGap = r.bad(c.max-b.min), r.bad(c.min-b.max)
	}
	return worseGap, betterGap, r.Tolerance
}

// byPoint is the verdict without a test: worse when even the least bad
// reading (lo) is beyond the tolerance, better when even the worst reading
// (hi) is below minus the tolerance.
func byPoint(lo, hi, tol float64) string {
	switch {
	case lo > tol:
		return VerdictWorse
	case hi < -tol:
		return VerdictBetter
	}
	return VerdictSame
}

// byTest is the verdict of a tested shift whose bad-side interval is
// [lo, hi].
func byTest(lo, hi, tol float64, significant bool) string {
	switch {
	case significant && lo > tol:
		return VerdictWorse
	case significant && hi < -tol:
		return VerdictBetter
	case lo >= -tol && hi <= tol:
		return VerdictSame
	}
	return VerdictInconclusive
}

func ptrTo(v float64) *float64 { return &v }

// welchShift is Welch's t across runs. On a log scale (a positive quantity
// whose noise multiplies) the test runs on the logarithms, and the shift
// and its interval are the ratio's, times the baseline's geometric mean,
// so that they read in the metric's unit; ratio is then the ratio of the
// geometric means (0 on the plain scale).
func welchShift(b, c []float64, logScale bool) (est, p, lo, hi, ratio float64) {
	if !logScale || slices.Min(b) <= 0 || slices.Min(c) <= 0 {
		est, p, lo, hi = stats.Welch(b, c, 0.95)
		return est, p, lo, hi, 0
	}
	lb, lc := logs(b), logs(c)
	d, p, llo, lhi := stats.Welch(lb, lc, 0.95)
	mb, _ := stats.MeanVar(lb)
	g := math.Exp(mb)
	return g * math.Expm1(d), p, g * math.Expm1(llo), g * math.Expm1(lhi), math.Exp(d)
}

func logs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Log(x)
	}
	return out
}
