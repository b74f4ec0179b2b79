package reports

import (
	"fmt"
	"math"
	"slices"

	"github.com/rehearse-dev/rehearse/reports/stats"
)

// CompareSchema is the value of Comparison.Schema (schema/compare.v2.json).
const CompareSchema = "rehearse.compare/v2"

// Defaults of CompareOptions.
const (
	// DefaultCompareAlpha is the family-wise significance level across
	// metrics (Holm) when each side has several runs.
	DefaultCompareAlpha = 0.05
	// DefaultAttemptAlpha is the level of the attempts test of a single
	// run a side, stricter because attempts of one run are not independent.
	DefaultAttemptAlpha = 0.01
	// DefaultMaxSamples bounds the attempts per side that the attempts test
	// and the latency CDF read (thinned deterministically).
	DefaultMaxSamples = 20000
)

// CompareOptions tune Compare. Zero values mean the defaults.
type CompareOptions struct {
	// Alpha is the family-wise level over runs (DefaultCompareAlpha).
	Alpha float64
	// AttemptAlpha is the level of the single-run attempts test
	// (DefaultAttemptAlpha).
	AttemptAlpha float64
	// Tolerances override the default tolerance of a metric, by name
	// (CompareMetricNames); nil keeps every default.
	Tolerances map[string]Tolerance
	// MaxSamples bounds the attempts read per side (DefaultMaxSamples).
	MaxSamples int
}

func (o *CompareOptions) defaults() {
	if o.Alpha == 0 {
		o.Alpha = DefaultCompareAlpha
	}
	if o.AttemptAlpha == 0 {
		o.AttemptAlpha = DefaultAttemptAlpha
	}
	if o.MaxSamples == 0 {
		o.MaxSamples = DefaultMaxSamples
	}
}

// Run is one saved run of one side: its report, the folder it was read
// from, and the latencies (ms) of its successful attempts from its attempt
// log (nil when the log was not there).
type Run struct {
	Report    *Report
	Dir       string
	Latencies []float64
}

// Verdicts of a comparison and of each metric. A metric one side did not
// measure, or that does not apply to it, is NotApplicable.
const (
	VerdictBetter       = "better"
	VerdictWorse        = "worse"
	VerdictSame         = "same"
	VerdictInconclusive = "inconclusive"
)

// Comparison is a baseline-vs-candidate comparison over one or more runs a
// side (schema rehearse.compare/v2).
type Comparison struct {
	Schema    string      `json:"schema"`
	Baseline  CompareSide `json:"baseline"`
	Candidate CompareSide `json:"candidate"`
	// Mode is "runs" (at least two runs a side: one run is one
	// observation) or "single_run" (the verdict rests on the attempts of
	// a single run, as before repeated runs existed).
	Mode    string          `json:"mode"`
	Alpha   float64         `json:"alpha"`
	Verdict string          `json:"verdict"` // worse if any metric is worse, else better if any is, else inconclusive if any is, else same
	Metrics []MetricResult  `json:"metrics"`
	Notes   []string        `json:"notes"`
	Method  string          `json:"method"`
	CDF     *LatencyCDF     `json:"latency_cdf"` // nil when a run had no attempt log
	Options CompareSettings `json:"settings"`
}

// CompareSide names one side: its scenario, seed and runs.
type CompareSide struct {
	Name  string   `json:"name"`
	Seed  int64    `json:"seed"`
	Runs  int      `json:"runs"`
	Dirs  []string `json:"dirs"`
	Hosts []string `json:"hosts"` // each distinct machine its runs were made on; empty when none was recorded
}

// CompareSettings are the levels a comparison was made with.
type CompareSettings struct {
	Alpha        float64 `json:"alpha"`
	AttemptAlpha float64 `json:"attempt_alpha"`
}

// Worse reports whether the candidate is worse: the only outcome that
// fails CI.
func (c *Comparison) Worse() bool { return c.Verdict == VerdictWorse }

// Compare judges a candidate's runs against a baseline's, metric by metric
// (compareMetrics). With at least two runs a side each run is one
// observation: each side's median and range, the Hodges-Lehmann shift
// (candidate - baseline) with its 95% interval, a Mann-Whitney p across
// runs and Holm's correction across the metrics that varied. A metric is
// worse when the corrected p is below Alpha and the whole interval lies
// beyond its tolerance on the bad side; better likewise on the good side;
// same when the interval lies within the tolerance; inconclusive
// otherwise. Integrity counts (lost, duplicates, crashes) are compared
// exactly, as the mean per run, when one side had none in every run: a
// candidate that loses one upload where the baseline lost none is worse,
// whatever the latency says. When both sides had some, run-to-run noise
// moves them as it moves any metric, so they are tested like the others
// (tolerance 0 by default): 260 lost against 268 with overlapping ranges
// is inconclusive, not worse.
//
// With one run on a side, the latency percentiles are tested on the
// attempts of the runs (Mann-Whitney at AttemptAlpha) and every other
// metric by its values against the tolerance; the notes say the verdict
// rests on a single run. A side without runs is an error of the caller:
// Compare panics.
func Compare(base, cand []Run, opts CompareOptions) *Comparison {
	if len(base) == 0 || len(cand) == 0 {
		panic("reports.Compare: a side without runs")
	}
	opts.defaults()
	c := &Comparison{Schema: CompareSchema, Baseline: sideOf(base), Candidate: sideOf(cand),
		Mode: "runs", Alpha: opts.Alpha, Notes: []string{},
		Options: CompareSettings{Alpha: opts.Alpha, AttemptAlpha: opts.AttemptAlpha}}
	if len(base) < 2 || len(cand) < 2 {
		c.Mode = "single_run"
		c.Alpha = opts.AttemptAlpha
		c.Notes = append(c.Notes, fmt.Sprintf("%d run(s) vs %d: the verdict rests on the attempts of a single run, "+
			"which move together (one pause, one noisy neighbour); ask for --repeat 5 or more for a verdict CI can trust", len(base), len(cand)))
	}
	var attemptP *float64
	if c.Mode == "single_run" {
		attemptP = attemptTest(base, cand, opts.MaxSamples)
	}
	for _, m := range compareMetrics {
		c.Metrics = append(c.Metrics, judgeMetric(m, base, cand, opts, attemptP))
	}
	holmAcross(c.Metrics, opts.Alpha)
	for i := range c.Metrics {
		c.Metrics[i].settle(opts)
	}
	c.Verdict = overall(c.Metrics)
	c.Method = methodText(c, opts)
	c.CDF = latencyCDF(base, cand, opts.MaxSamples)
	c.Notes = append(c.Notes, machineNotes(c)...)
	c.Notes = append(c.Notes, sampleNotes("baseline", base)...)
	c.Notes = append(c.Notes, sampleNotes("candidate", cand)...)
	return c
}

// sampleNotes say which runs of a side read their attempts from a sample
// of the callers (--attempts sample): the CDF and the attempts test use
// that sample, never presented as the whole.
func sampleNotes(side string, runs []Run) []string {
	var notes []string
	for _, r := range runs {
		if l := r.Report.AttemptsLog; l.Sampled() && r.Latencies != nil {
			notes = append(notes, fmt.Sprintf("the %s run %s has an attempt log of %s: its latency CDF and attempts test are of that sample", side, r.Dir, l.SampleText()))
		}
	}
	return notes
}

// sideOf names a side by its first run.
func sideOf(runs []Run) CompareSide {
	s := CompareSide{Name: runs[0].Report.Scenario.Name, Seed: runs[0].Report.Scenario.Seed, Runs: len(runs), Dirs: []string{}, Hosts: []string{}}
	for _, r := range runs {
		s.Dirs = append(s.Dirs, r.Dir)
		if h := r.Report.Host; h != nil && !slices.Contains(s.Hosts, h.Machine()) {
			s.Hosts = append(s.Hosts, h.Machine())
		}
	}
	return s
}

// attemptTest is the single-run attempts test: Mann-Whitney over the
// successful attempts' latencies of each side, or nil when a side has no
// attempt log.
func attemptTest(base, cand []Run, maxSamples int) *float64 {
	b, c := pooled(base, maxSamples), pooled(cand, maxSamples)
	if len(b) == 0 || len(c) == 0 {
		return nil
	}
	_, p := stats.MannWhitney(b, c)
	return &p
}

// pooled is the attempts' latencies of every run of a side, thinned to n.
func pooled(runs []Run, n int) []float64 {
	var all []float64
	for _, r := range runs {
		if r.Latencies == nil {
			return nil
		}
		all = append(all, r.Latencies...)
	}
	return stats.Thin(all, n)
}

// holmAcross corrects the p-values of the metrics tested across runs
// (those whose values varied at all) for their number.
func holmAcross(ms []MetricResult, alpha float64) {
	var idx []int
	var ps []float64
	for i, m := range ms {
		if (m.Test == TestRuns || m.Test == TestRunsWelch) && m.PValue != nil {
			idx, ps = append(idx, i), append(ps, *m.PValue)
		}
	}
	for k, adj := range stats.Holm(ps) {
		v := adj
		ms[idx[k]].PHolm = &v
	}
}

// overall is the comparison's verdict from its metrics'.
func overall(ms []MetricResult) string {
	has := map[string]bool{}
	for _, m := range ms {
		has[m.Verdict] = true
	}
	for _, v := range []string{VerdictWorse, VerdictBetter, VerdictInconclusive} {
		if has[v] {
			return v
		}
	}
	return VerdictSame
}

// finite is v, or nil when it is not a finite number (JSON has no Inf).
func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}
