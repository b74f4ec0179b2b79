package reports

import (
	"fmt"
	"math"
	"strings"
)

// How a compared metric is judged.
const (
	// TestRuns: one value per run, Mann-Whitney across runs, Holm across
	// metrics, Hodges-Lehmann shift with its interval.
	TestRuns = "runs"
	// TestRunsWelch: as TestRuns with fewer than minRankRuns runs on a
	// side, where no rank test can reach 5% (3 runs a side: p >= 0.1):
	// Welch's t on the runs' values and its interval for the difference
	// of means.
	TestRunsWelch = "runs_welch"
	// TestAttempts: one run a side; Mann-Whitney over the attempts of
	// that run (attempts of one run are not independent: a weaker test).
	TestAttempts = "attempts"
	// TestPoint: one run a side and nothing to test across: the values'
	// ranges are compared with the tolerance.
	TestPoint = "point"
	// TestExact: an integrity count (lost, duplicates, crashes) that one
	// side never had (0 in every run of it), compared as the mean per run
	// without any test: any rise beyond the tolerance is worse, whatever
	// the noise. When both sides had some, the count is tested like any
	// other metric (TestRuns, TestRunsWelch or TestPoint). Also a
	// completion percentile reached on one side only.
	TestExact = "exact"
)

// minRankRuns is the fewest runs a side for the rank test and the
// Hodges-Lehmann interval (4: the exact 95% interval exists).
const minRankRuns = 4

// compareMetric is one metric Compare judges.
type compareMetric struct {
	name           string
	unit           string
	higherIsBetter bool
	// integrity: a count of what must not happen (lost, duplicates,
	// crashes): TestExact when a side never had any, else tested.
	integrity bool
	latency   bool // an attempt latency percentile: TestAttempts with one run a side
	// logScale: a positive quantity whose run-to-run noise multiplies
	// (latency, throughput, drain); Welch's t works on its logarithm.
	logScale bool
	// def is the default tolerance, floor its least absolute value when
	// the tolerance is relative (the noise a change must clear anyway).
	def   Tolerance
	floor float64
}

// compareMetrics are the compared metrics, in the order every view shows
// them; their names are gate variables (Variables). The latencies are of
// the successful attempts (latency_ms), as are Run.Latencies for the
// attempts test and the CDFs: a build that fails faster must not read as
// faster; its failures are in error_rate.
var compareMetrics = []compareMetric{
	{name: "p50_ms", unit: "ms", logScale: true, latency: true, def: Tolerance{0.10, true}, floor: 2},
	{name: "p90_ms", unit: "ms", logScale: true, latency: true, def: Tolerance{0.10, true}, floor: 2},
	{name: "p99_ms", unit: "ms", logScale: true, latency: true, def: Tolerance{0.10, true}, floor: 2},
	{name: "throughput_rps", unit: "/s", logScale: true, higherIsBetter: true, def: Tolerance{0.10, true}},
	{name: "timeout_rate", unit: "", def: Tolerance{0.001, false}},
	{name: "error_rate", unit: "", def: Tolerance{0.001, false}},
	{name: "gave_up", unit: "callers", def: Tolerance{0, false}},
	{name: "retries", unit: "", def: Tolerance{0.10, true}, floor: 1},
	{name: "completion_p99_ms", unit: "ms", logScale: true, def: Tolerance{0.10, true}, floor: 2},
	{name: "crashes", unit: "", integrity: true, def: Tolerance{0, false}},
	{name: "drain_s", unit: "s", logScale: true, def: Tolerance{0.10, true}, floor: 0.5},
	{name: "lost", unit: "uploads", integrity: true, def: Tolerance{0, false}},
	{name: "duplicates", unit: "uploads", integrity: true, def: Tolerance{0, false}},
}

// CompareMetricNames are the metrics Compare judges, in order: the keys a
// scenario's compare block may set (scenarios.CompareMetrics; a harness
// test ties the two lists).
func CompareMetricNames() []string {
	names := make([]string, len(compareMetrics))
	for i, m := range compareMetrics {
		names[i] = m.name
	}
	return names
}

// Tolerance is how far a metric may move before it counts: Value in the
// metric's unit, or with Relative a fraction of the baseline's median
// (0.10 is 10%). For the rates (timeout_rate, error_rate), whose unit is
// already a fraction, a tolerance is always absolute.
type Tolerance struct {
	Value    float64 `json:"value"`
	Relative bool    `json:"relative"`
}

// String is the tolerance as a scenario writes it: "10%" or "0.5".
func (t Tolerance) String() string {
	if t.Relative {
		return fmtNum(t.Value*100) + "%"
	}
	return fmtNum(t.Value)
}

// tolerance is m's tolerance in its unit against a baseline median, and
// how it reads ("10% (min 2 ms)", "0 (scenario)").
func (m compareMetric) tolerance(opts CompareOptions, baseMedian *float64) (float64, string) {
	t, src := m.def, "default"
	if o, ok := opts.Tolerances[m.name]; ok {
		t, src = o, "scenario"
	}
	isRate := strings.HasSuffix(m.name, "_rate")
	if !t.Relative || isRate {
		return t.Value, fmt.Sprintf("%s (%s)", fmtNum(t.Value), src)
	}
	abs := m.floor
	if baseMedian != nil && !math.IsInf(*baseMedian, 0) {
		abs = max(abs, t.Value*math.Abs(*baseMedian))
	}
	text := t.String()
	if m.floor > 0 {
		text += " (min " + strings.TrimSpace(fmtNum(m.floor)+" "+m.unit) + ")"
	}
	return abs, text + " (" + src + ")"
}

// runValue is metric name of one run: its value (+Inf for a completion
// percentile not reached: later than any that was), or why it has none.
func runValue(r *Report, name string) (float64, bool, string) {
	if v, ok := Variables(r)[name]; ok {
		return v, true, ""
	}
	why := MissingReason(r, name)
	if strings.HasPrefix(why, "not reached") {
		return math.Inf(1), true, why
	}
	return 0, false, why
}
