package reports

import (
	"fmt"
	"math"
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

// MetricDelta is one compared metric.
type MetricDelta struct {
	Name     string   `json:"name"`
	Base     float64  `json:"baseline"`
	Cand     float64  `json:"candidate"`
	Delta    float64  `json:"delta"`
	RelDelta float64  `json:"rel_delta"` // (cand-base)/base; 0 when base is 0
	PValue   *float64 `json:"p_value"`   // latency metrics with attempt logs only
	Verdict  string   `json:"verdict"`   // same | better | worse | regression
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
// when it rises by more than 0.1 percentage points. Throughput and
// completion are reported, with worse/better, but do not fail alone.
func Compare(base, cand *Report, baseLat, candLat []float64, opts CompareOptions) *Comparison {
	opts.defaults()
	c := &Comparison{Schema: "rehearse.compare/v1", Baseline: base.Scenario, Candidate: cand.Scenario,
		Method: fmt.Sprintf("Mann-Whitney U (alpha %g) with effect floor %g%% and %g ms on latency; exact on counts", opts.Alpha, opts.MinEffect*100, opts.MinEffectMs)}
	var p *float64
	if len(baseLat) > 0 && len(candLat) > 0 {
		_, pv := MannWhitney(thin(baseLat, opts.MaxSamples), thin(candLat, opts.MaxSamples))
		p = &pv
	}
	lat := func(name string, b, x float64) {
		d := delta(name, b, x)
		d.PValue = p
		worse := x-b > opts.MinEffectMs && (b == 0 || (x-b)/b > opts.MinEffect)
		better := b-x > opts.MinEffectMs && (x == 0 || (b-x)/b > opts.MinEffect)
		significant := p == nil || *p < opts.Alpha
		switch {
		case worse && significant:
			d.Verdict = "regression"
		case worse:
			d.Verdict = "worse"
		case better && significant:
			d.Verdict = "better"
		}
		c.add(d)
	}
	lat("p50_ms", base.LatencyMs.P50, cand.LatencyMs.P50)
	lat("p99_ms", base.LatencyMs.P99, cand.LatencyMs.P99)
	bv, cv := Variables(base), Variables(cand)
	for _, name := range []string{"timeouts", "gave_up", "crashes", "oom_kills", "lost", "duplicates"} {
		d := delta(name, bv[name], cv[name])
		switch {
		case d.Delta > 0:
			d.Verdict = "regression"
		case d.Delta < 0:
			d.Verdict = "better"
		}
		c.add(d)
	}
	er := delta("error_rate", bv["error_rate"], cv["error_rate"])
	switch {
	case er.Delta > 0.001:
		er.Verdict = "regression"
	case er.Delta < -0.001:
		er.Verdict = "better"
	}
	c.add(er)
	for _, name := range []string{"throughput_rps", "completion_p99_ms", "downtime_s", "drain_s"} {
		d := delta(name, bv[name], cv[name])
		higherIsBetter := name == "throughput_rps"
		if math.Abs(d.RelDelta) > opts.MinEffect && math.Abs(d.Delta) > 0.5 {
			if (d.Delta > 0) == higherIsBetter {
				d.Verdict = "better"
			} else {
				d.Verdict = "worse"
			}
		}
		c.add(d)
	}
	return c
}

func (c *Comparison) add(d MetricDelta) {
	if d.Verdict == "" {
		d.Verdict = "same"
	}
	if d.Verdict == "regression" {
		c.Regression = true
	}
	c.Metrics = append(c.Metrics, d)
}

func delta(name string, b, x float64) MetricDelta {
	d := MetricDelta{Name: name, Base: b, Cand: x, Delta: x - b}
	if b != 0 {
		d.RelDelta = (x - b) / b
	}
	return d
}
