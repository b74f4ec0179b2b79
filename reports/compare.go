package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
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

// thin keeps at most n values, evenly strided (deterministic).
func thin(v []float64, n int) []float64 {
	if len(v) <= n {
		return v
	}
	out := make([]float64, 0, n)
	step := float64(len(v)) / float64(n)
	for i := 0; i < n; i++ {
		out = append(out, v[int(float64(i)*step)])
	}
	return out
}

// MannWhitney returns the U statistic of x and the two-sided p-value that
// x and y come from the same distribution, by the normal approximation with
// tie correction (accurate for samples above ~20 each).
func MannWhitney(x, y []float64) (u, p float64) {
	n1, n2 := float64(len(x)), float64(len(y))
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	type obs struct {
		v     float64
		fromX bool
	}
	all := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	var rx, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2 // mean of ranks i+1..j
		t := float64(j - i)
		ties += t*t*t - t
		for k := i; k < j; k++ {
			if all[k].fromX {
				rx += rank
			}
		}
		i = j
	}
	u = rx - n1*(n1+1)/2
	n := n1 + n2
	mean := n1 * n2 / 2
	sd := math.Sqrt(n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1))))
	if sd == 0 {
		return u, 1
	}
	z := (math.Abs(u-mean) - 0.5) / sd
	p = math.Erfc(z / math.Sqrt2)
	return u, min(max(p, 0), 1)
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

var comparisonHeader = []string{"metric", "baseline", "candidate", "delta", "rel", "p", "verdict"}

func comparisonRows(c *Comparison) [][]string {
	var rows [][]string
	for _, m := range c.Metrics {
		rel, pv := "-", "-"
		if m.Base != 0 {
			rel = fmt.Sprintf("%+.1f%%", m.RelDelta*100)
		}
		if m.PValue != nil {
			pv = strconv.FormatFloat(*m.PValue, 'g', 3, 64)
		}
		rows = append(rows, []string{m.Name, fmtNum(m.Base), fmtNum(m.Cand), fmtNum(m.Delta), rel, pv, m.Verdict})
	}
	return rows
}

func (c *Comparison) verdict() string {
	if c.Regression {
		return "REGRESSION"
	}
	return "NO SIGNIFICANT REGRESSION"
}

// WriteComparisonTable writes the comparison as a terminal table.
func WriteComparisonTable(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "baseline %s (seed %d) vs candidate %s (seed %d): %s\n", c.Baseline.Name, c.Baseline.Seed, c.Candidate.Name, c.Candidate.Seed, c.verdict())
	if err := writeRows(w, asciiTable(), comparisonHeader, comparisonRows(c)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "method: %s\n", c.Method)
	return err
}

// WriteComparisonMarkdown writes the comparison as Markdown.
func WriteComparisonMarkdown(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "## rehearse compare: %s\n\nbaseline **%s** vs candidate **%s**\n\n", c.verdict(), mdEscape(c.Baseline.Name), mdEscape(c.Candidate.Name))
	if err := writeRows(w, markdownTable(), comparisonHeader, comparisonRows(c)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n_%s_\n", c.Method)
	return err
}

// WriteComparisonJSON writes the comparison as JSON.
func WriteComparisonJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
