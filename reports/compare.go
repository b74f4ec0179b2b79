package reports

import (
	"fmt"
	"math"
	"strings"
)

// CompareOptions tune Compare. Zero values mean the defaults.
type CompareOptions struct {
	// Alpha is the significance level of the latency test (default 0.01).
	Alpha float64
	// MinEffect is the smallest relative latency increase that counts as a
	// regression (default 0.10: 10%).
	MinEffect float64
	// MinEffectMs is the smallest absolute latency increase that counts
	// (default 2 ms), so microsecond noise on fast services is not a
	// regression.
	MinEffectMs float64
	// MaxSamples bounds the per-side sample for the U test (default 20,000;
	// larger samples are thinned deterministically).
	MaxSamples int
}

func (o *CompareOptions) defaults() {
	if o.Alpha == 0 {
		o.Alpha = 0.01
	}
	if o.MinEffect == 0 {
		o.MinEffect = 0.10
	}
	if o.MinEffectMs == 0 {
		o.MinEffectMs = 2
	}
	if o.MaxSamples == 0 {
		o.MaxSamples = 20000
	}
}

// Verdicts of a compared metric.
const (
	changeSame       = "same"
	changeBetter     = "better"
	changeWorse      = "worse"      // reported, does not fail the comparison alone
	changeRegression = "regression" // fails the comparison
	changeNA         = NotApplicable
)

// MetricDelta is one compared metric. A side without a value (a metric not
// measured, a completion percentile not reached, drain of a synchronous
// service) has a nil value and a note saying why; its delta is nil.
type MetricDelta struct {
	Name     string   `json:"name"`
	Base     *float64 `json:"baseline"`
	Cand     *float64 `json:"candidate"`
	BaseNote string   `json:"baseline_note,omitempty"`  // why Base is nil
	CandNote string   `json:"candidate_note,omitempty"` // why Cand is nil
	Delta    *float64 `json:"delta"`                    // cand-base; nil unless both sides have a value
	RelDelta *float64 `json:"rel_delta"`                // (cand-base)/base; nil also when base is 0
	PValue   *float64 `json:"p_value"`                  // latency metrics with attempt logs only
	Verdict  string   `json:"verdict"`                  // same | better | worse | regression | n/a
}

// Comparison is a baseline-vs-candidate comparison.
type Comparison struct {
	Schema     string        `json:"schema"`
	Baseline   ScenarioInfo  `json:"baseline"`
	Candidate  ScenarioInfo  `json:"candidate"`
	Method     string        `json:"method"`
	Metrics    []MetricDelta `json:"metrics"`
	Regression bool          `json:"regression"`
}

// Compare compares a candidate run with a baseline.
//
// Latency (p50, p99): when per-attempt latencies of successful attempts are
// given (ms, from the runs' attempt logs), a two-sided Mann-Whitney U test;
// the candidate regresses when p < Alpha AND its value is worse by more than
// MinEffect (relative) and MinEffectMs (absolute). Two runs of the same
// build differ by noise far below that floor. Without latencies only the
// effect-size floor applies.
//
// Counts (timeouts, gave up, crashes, OOM kills, lost, duplicates) are
// compared exactly: any increase is a regression. The error rate regresses
// when it rises by more than 0.1 percentage points, and so does the
// completed fraction when it drops by more. Completion percentiles are over
// all callers: they are compared where both sides reached them, and a side
// that did not reach one (too few callers completed) is worse than one that
// did. Throughput, completion percentiles, downtime, drain and the retry
// amplification (attempts per first attempt) are reported,
// with worse/better, but do not fail alone. A metric that one side did not
// measure, or that does not apply to it, is n/a: never same, never 0.
func Compare(base, cand *Report, baseLat, candLat []float64, opts CompareOptions) *Comparison {
	opts.defaults()
	c := &Comparison{Schema: "rehearse.compare/v1", Baseline: base.Scenario, Candidate: cand.Scenario, Metrics: []MetricDelta{},
		Method: fmt.Sprintf("Mann-Whitney U (alpha %g) with effect floor %g%% and %g ms on latency; exact on counts; "+
			"completion over all callers, compared only where both sides reached it", opts.Alpha, opts.MinEffect*100, opts.MinEffectMs)}
	var p *float64
	if len(baseLat) > 0 && len(candLat) > 0 {
		_, pv := MannWhitney(thin(baseLat, opts.MaxSamples), thin(candLat, opts.MaxSamples))
		p = &pv
	}
	for _, name := range []string{"p50_ms", "p99_ms"} {
		c.add(latencyDelta(pair(base, cand, name), p, opts))
	}
	for _, name := range []string{"timeouts", "gave_up", "crashes", "oom_kills", "lost", "duplicates"} {
		c.add(judge(pair(base, cand, name), func(d float64) string { return sign(d, 0, changeRegression, changeBetter) }))
	}
	c.add(judge(pair(base, cand, "error_rate"), func(d float64) string { return sign(d, 0.001, changeRegression, changeBetter) }))
	c.add(judge(pair(base, cand, "completed_fraction"), func(d float64) string { return sign(d, 0.001, changeBetter, changeRegression) }))
	for _, name := range []string{"completion_p50_ms", "completion_p99_ms"} {
		c.add(completionDelta(pair(base, cand, name), opts))
	}
	for _, name := range []string{"throughput_rps", "downtime_s", "drain_s", "amplification"} {
		higherIsBetter := name == "throughput_rps"
		c.add(pair(base, cand, name).floor(opts, higherIsBetter))
	}
	return c
}

// pair is one metric of both reports, with the delta when both have it.
func pair(base, cand *Report, name string) MetricDelta {
	d := MetricDelta{Name: name}
	d.Base, d.BaseNote = metricOf(base, name)
	d.Cand, d.CandNote = metricOf(cand, name)
	if d.Base != nil && d.Cand != nil {
		b, x := *d.Base, *d.Cand
		diff := x - b
		d.Delta = &diff
		switch {
		case b != 0:
			rel := diff / b
			d.RelDelta = &rel
		case diff == 0:
			d.RelDelta = new(float64) // 0 to 0: no change
		}
	}
	return d
}

// metricOf is one compared metric of r, or why it has none.
func metricOf(r *Report, name string) (*float64, string) {
	if c := r.Completion; c != nil {
		switch name {
		case "completed_fraction":
			return &c.CompletedFraction, ""
		case "completion_p50_ms":
			if c.P50 == nil {
				return nil, notReached(c)
			}
			return c.P50, ""
		}
	}
	switch {
	case (name == "p50_ms" || name == "p99_ms") && r.Requests.Total == 0:
		return nil, NotApplicable + " (no request)"
	case (name == "completed_fraction" || name == "completion_p50_ms") && r.Completion == nil:
		return nil, MissingReason(r, "completion_p99_ms")
	}
	if v, ok := Variables(r)[name]; ok {
		return &v, ""
	}
	return nil, MissingReason(r, name)
}

// judge sets the verdict of a metric both sides have from its delta; a
// metric one side lacks is n/a.
func judge(d MetricDelta, byDelta func(float64) string) MetricDelta {
	if d.Delta == nil {
		d.Verdict = changeNA
		return d
	}
	d.Verdict = byDelta(*d.Delta)
	return d
}

// sign is up when delta > floor, down when delta < -floor, "" otherwise.
func sign(delta, floor float64, up, down string) string {
	switch {
	case delta > floor:
		return up
	case delta < -floor:
		return down
	}
	return ""
}

// floor sets worse/better on a metric that moved by more than MinEffect
// (relative; any move from 0) and 0.5 (absolute); it never fails the
// comparison alone. A metric one side lacks is n/a.
func (d MetricDelta) floor(opts CompareOptions, higherIsBetter bool) MetricDelta {
	if d.Delta == nil {
		d.Verdict = changeNA
		return d
	}
	rel := math.Inf(1)
	if d.RelDelta != nil {
		rel = math.Abs(*d.RelDelta)
	}
	if rel > opts.MinEffect && math.Abs(*d.Delta) > 0.5 {
		if (*d.Delta > 0) == higherIsBetter {
			d.Verdict = changeBetter
		} else {
			d.Verdict = changeWorse
		}
	}
	return d
}

// latencyDelta judges an attempt latency percentile: a regression only when
// worse beyond the effect floor and significant.
func latencyDelta(d MetricDelta, p *float64, opts CompareOptions) MetricDelta {
	d.PValue = p
	if d.Delta == nil {
		d.Verdict = changeNA
		return d
	}
	b, x := *d.Base, *d.Cand
	worse := x-b > opts.MinEffectMs && (b == 0 || (x-b)/b > opts.MinEffect)
	better := b-x > opts.MinEffectMs && (x == 0 || (b-x)/b > opts.MinEffect)
	significant := p == nil || *p < opts.Alpha
	switch {
	case worse && significant:
		d.Verdict = changeRegression
	case worse:
		d.Verdict = changeWorse
	case better && significant:
		d.Verdict = changeBetter
	}
	return d
}

// completionDelta judges a completion percentile over all callers: compared
// where both sides reached it; a side that did not reach it is worse than
// one that did; n/a when neither did or a side recorded no caller.
func completionDelta(d MetricDelta, opts CompareOptions) MetricDelta {
	if d.Delta != nil {
		return d.floor(opts, false)
	}
	baseCensored := d.Base == nil && strings.HasPrefix(d.BaseNote, "not reached")
	candCensored := d.Cand == nil && strings.HasPrefix(d.CandNote, "not reached")
	switch {
	case d.Base != nil && candCensored:
		d.Verdict = changeWorse
	case baseCensored && d.Cand != nil:
		d.Verdict = changeBetter
	default:
		d.Verdict = changeNA
	}
	return d
}

func (c *Comparison) add(d MetricDelta) {
	if d.Verdict == "" {
		d.Verdict = changeSame
	}
	if d.Verdict == changeRegression {
		c.Regression = true
	}
	c.Metrics = append(c.Metrics, d)
}
