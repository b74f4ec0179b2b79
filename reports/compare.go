package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

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

// Headline is the comparison's first line: the verdict, and the metrics
// that made it.
func (c *Comparison) Headline() string {
	var moved []string
	for _, m := range c.Metrics {
		if m.Verdict == c.Verdict && (c.Verdict == VerdictWorse || c.Verdict == VerdictBetter) {
			moved = append(moved, m.Name)
		}
	}
	h := strings.ToUpper(c.Verdict)
	if len(moved) > 0 {
		h += " on " + strings.Join(moved, ", ")
	}
	return h
}

// SidesText names both sides: each build, its runs and its seed.
func (c *Comparison) SidesText() string {
	return fmt.Sprintf("baseline %s (%d run(s), seed %d) vs candidate %s (%d run(s), seed %d)",
		c.Baseline.Name, c.Baseline.Runs, c.Baseline.Seed, c.Candidate.Name, c.Candidate.Runs, c.Candidate.Seed)
}

// methodText says how the verdict was reached, with this comparison's levels.
func methodText(c *Comparison, opts CompareOptions) string {
	if c.Mode == "single_run" {
		return fmt.Sprintf("one run a side: latency percentiles (of successful attempts) by a Mann-Whitney U test over the runs' successful attempts (level %g) and the tolerance; "+
			"other metrics by their values against the tolerance; integrity counts (lost, duplicates, crashes) exactly when a side had none", opts.AttemptAlpha)
	}
	tested := 0
	for _, m := range c.Metrics {
		if m.PHolm != nil {
			tested++
		}
	}
	test := "Mann-Whitney U across runs (exact), Hodges-Lehmann shift with its 95% interval"
	if c.Baseline.Runs < minRankRuns || c.Candidate.Runs < minRankRuns {
		test = fmt.Sprintf("fewer than %d runs a side: Welch's t across runs with its 95%% interval (on a log scale for latency, throughput and drain)", minRankRuns)
	}
	return fmt.Sprintf("each run is one observation (latencies of its successful attempts): %s, Holm across the %d metrics that varied (family level %g); "+
		"worse or better only when significant and the whole interval clears the tolerance, "+
		"same when it lies within; integrity counts (lost, duplicates, crashes) exactly, as the mean per run, when a side had none in every run, "+
		"else tested like the others", test, tested, opts.Alpha)
}

// machineNotes say when the runs were made on different machines.
func machineNotes(c *Comparison) []string {
	b, k := c.Baseline.Hosts, c.Candidate.Hosts
	switch {
	case len(b) == 0 || len(k) == 0:
		return nil
	case len(b) > 1 || len(k) > 1:
		return []string{fmt.Sprintf("runs were made on several machines (baseline: %s; candidate: %s): part of a difference may be the machines'",
			strings.Join(b, ", "), strings.Join(k, ", "))}
	case b[0] != k[0]:
		return []string{fmt.Sprintf("baseline ran on %s, candidate on %s: part of a difference may be the machines'", b[0], k[0])}
	}
	return nil
}
