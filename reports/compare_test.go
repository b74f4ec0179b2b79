package reports

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// syncAct is a synchronous service where 404 of 500 callers gave up: its
// completion p99 over all callers was not reached.
func SyncAct() *Report {
	a := NewAggregator(T0)
	for c := int32(0); c < 500; c++ {
		at := time.Duration(c) * 10 * time.Millisecond
		if c < 96 {
			a.AddAttempt(Attempt{Caller: c, Try: 1, Intended: at, Sent: at, Latency: 100 * time.Millisecond, Status: 200})
			a.AddCaller(CallerOutcome{Caller: c, Attempts: 1, Succeeded: true, Completion: 100 * time.Millisecond})
			continue
		}
		a.AddAttempt(Attempt{Caller: c, Try: 1, Intended: at, Sent: at, Latency: time.Second, Class: ClassTimeout})
		a.AddCaller(CallerOutcome{Caller: c, Attempts: 1, GaveUp: true})
	}
	r := a.Finish(T0.Add(10 * time.Second))
	r.Scenario = ScenarioInfo{Name: "seed-1-sync"}
	r.SUT = SUTInfo{Kind: "reference", Mode: "sync"}
	r.Crashes = Crashes{Count: new(int64(0)), OOMKills: new(int64(0)), Restarts: new(int64(0)), DowntimeS: new(0.0)}
	return r
}

// asyncAct is the async split: every caller's upload completes, in 3 s.
func AsyncAct() *Report {
	a := NewAggregator(T0)
	a.SetAsync(true)
	for c := int32(0); c < 500; c++ {
		at := time.Duration(c) * 10 * time.Millisecond
		a.AddAttempt(Attempt{Caller: c, Try: 1, Intended: at, Sent: at, Latency: 5 * time.Millisecond, Status: 202})
		a.AddCaller(CallerOutcome{Caller: c, Attempts: 1, Succeeded: true, Completion: 3 * time.Second,
			Accepted: 1, AsyncState: StateDone, AcceptedAt: at, CompletedAt: at + 3*time.Second})
	}
	r := a.Finish(T0.Add(10 * time.Second))
	r.Scenario = ScenarioInfo{Name: "seed-4-async"}
	r.SUT = SUTInfo{Kind: "reference", Mode: "async"}
	r.Crashes = Crashes{Count: new(int64(0)), OOMKills: new(int64(0)), Restarts: new(int64(0)), DowntimeS: new(0.0)}
	return r
}

// one is a side of one run without an attempt log.
func One(r *Report) []Run { return []Run{{Report: r, Dir: r.Scenario.Name}} }

func Metric(t *testing.T, c *Comparison, name string) MetricResult {
	t.Helper()
	for _, m := range c.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %s", name)
	return MetricResult{}
}

func TestCompareSameIsSame(t *testing.T) {
	c := Compare(One(AsyncAct()), One(AsyncAct()), CompareOptions{})
	for _, m := range c.Metrics {
		if m.Verdict != VerdictSame && m.Verdict != NotApplicable {
			t.Errorf("%s: %s", m.Name, m.Verdict)
		}
	}
	if c.Verdict != VerdictSame {
		t.Errorf("verdict %s", c.Verdict)
	}
}

// build is a synthetic build of a service: its typical latency, the noise
// between runs of it (one factor per run: a GC pause, a noisy neighbour,
// the shared runner moving all attempts of a run together) and how many
// uploads a run loses.
type Build struct {
	Ms       float64
	RunNoise float64 // sigma of the log of the per-run factor
	Lost     func(run int) int
}

// runs makes n runs of b: 300 callers of an async service, each attempt's
// latency the run's typical latency times a skewed per-attempt spread.
func (b Build) Runs(rng *rand.Rand, name string, n int) []Run {
	out := make([]Run, n)
	for i := range out {
		factor := math.Exp(rng.NormFloat64() * b.RunNoise)
		lost := 0
		if b.Lost != nil {
			lost = b.Lost(i)
		}
		a := NewAggregator(T0)
		a.SetAsync(true)
		var lat []float64
		for c := int32(0); c < 300; c++ {
			at := time.Duration(c) * 20 * time.Millisecond
			ms := b.Ms * factor * (0.9 + 0.2*rng.ExpFloat64())
			d := time.Duration(ms * float64(time.Millisecond))
			a.AddAttempt(Attempt{Caller: c, Try: 1, Intended: at, Sent: at, Latency: d, Status: 202})
			lat = append(lat, ms)
			state := StateDone
			if int(c) < lost {
				state = StateLost
			}
			a.AddCaller(CallerOutcome{Caller: c, Attempts: 1, Succeeded: state == StateDone, Completion: d + 500*time.Millisecond,
				Accepted: 1, AsyncState: state, AcceptedAt: at, CompletedAt: at + d + 500*time.Millisecond})
		}
		r := a.Finish(T0.Add(7 * time.Second))
		r.Scenario = ScenarioInfo{Name: name, Seed: 1}
		r.Crashes = Crashes{Count: new(int64(0)), OOMKills: new(int64(0)), Restarts: new(int64(0)), DowntimeS: new(0.0)}
		out[i] = Run{Report: r, Dir: name, Latencies: lat}
	}
	return out
}

// TestCompareIdenticalBuildsNeverWorse: two identical builds, 5 runs each,
// with run-to-run noise of 10% (a shared runner's): never worse in 10
// repetitions of the comparison, and in a long series the rate of a false
// "worse" stays below 1%.
func TestCompareIdenticalBuildsNeverWorse(t *testing.T) {
	b := Build{Ms: 40, RunNoise: 0.10}
	reps, worse, same := 200, 0, 0
	if testing.Short() {
		reps = 10
	}
	for i := range reps {
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		c := Compare(b.Runs(rng, "a", 5), b.Runs(rng, "a", 5), CompareOptions{})
		if c.Worse() {
			worse++
			if i < 10 {
				t.Errorf("repetition %d: identical builds called worse: %s", i, c.Headline())
			}
		}
		if c.Verdict == VerdictSame {
			same++
		}
	}
	t.Logf("identical builds, 5 runs a side, 10%% run noise: %d worse, %d same of %d", worse, same, reps)
	if float64(worse) > 0.01*float64(reps) {
		t.Fatalf("%d of %d comparisons of identical builds called worse", worse, reps)
	}
}

// TestCompareOneLostUploadIsWorse: a candidate 30% faster that lost one
// upload in one of its five runs is worse on lost, and worse overall.
func TestCompareOneLostUploadIsWorse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := Build{Ms: 40, RunNoise: 0.05}.Runs(rng, "v1", 5)
	cand := Build{Ms: 28, RunNoise: 0.05, Lost: func(run int) int {
		if run == 3 {
			return 1
		}
		return 0
	}}.Runs(rng, "v2", 5)
	c := Compare(base, cand, CompareOptions{})
	if m := Metric(t, c, "lost"); m.Verdict != VerdictWorse || m.Test != TestExact || *m.Shift != 0.2 {
		t.Fatalf("lost %+v", m)
	}
	if m := Metric(t, c, "p50_ms"); m.Verdict != VerdictBetter {
		t.Errorf("p50 %+v", m)
	}
	if !c.Worse() || c.Headline() != "WORSE on lost" {
		t.Fatalf("verdict %s", c.Headline())
	}
	// A scenario that tolerates one lost upload per run.
	if c := Compare(base, cand, CompareOptions{Tolerances: map[string]Tolerance{"lost": {Value: 1}}}); c.Worse() {
		t.Fatalf("tolerated loss still worse: %s", c.Headline())
	}
}

// TestCompareTolerances: the scenario's tolerance replaces the default, and
// a relative one never goes below the metric's floor.
func TestCompareTolerances(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := Build{Ms: 40, RunNoise: 0.02}.Runs(rng, "v1", 5)
	cand := Build{Ms: 50, RunNoise: 0.02}.Runs(rng, "v2", 5) // 25% slower
	if m := Metric(t, Compare(base, cand, CompareOptions{}), "p50_ms"); m.Verdict != VerdictWorse {
		t.Errorf("25%% slower, default 10%%: %+v", m)
	}
	loose := CompareOptions{Tolerances: map[string]Tolerance{"p50_ms": {Value: 0.5, Relative: true}}}
	if m := Metric(t, Compare(base, cand, loose), "p50_ms"); m.Verdict != VerdictSame || !strings.Contains(m.TolText, "50% (min 2 ms) (scenario)") {
		t.Errorf("25%% slower, 50%% tolerated: %+v", m)
	}
	tol, _ := compareMetrics[0].tolerance(CompareOptions{}, new(5.0))
	if tol != 2 {
		t.Errorf("10%% of 5 ms is below the 2 ms floor: %v", tol)
	}
}

// TestCompareThreeRuns: with three runs a side no rank test can reach 5%,
// so compare uses Welch's t across runs: a 50% slower candidate is worse,
// and identical builds are rarely anything but same or inconclusive.
func TestCompareThreeRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	c := Compare(Build{Ms: 40, RunNoise: 0.02}.Runs(rng, "v1", 3), Build{Ms: 60, RunNoise: 0.02}.Runs(rng, "v2", 3), CompareOptions{})
	if m := Metric(t, c, "p50_ms"); m.Verdict != VerdictWorse || m.Test != TestRunsWelch || !strings.Contains(m.Reason, "Welch") {
		t.Errorf("p50 %+v", m)
	}
	b := Build{Ms: 40, RunNoise: 0.10}
	worse := 0
	for i := range 200 {
		rng := rand.New(rand.NewPCG(uint64(i), 17))
		if Compare(b.Runs(rng, "a", 3), b.Runs(rng, "a", 3), CompareOptions{}).Worse() {
			worse++
		}
	}
	t.Logf("identical builds, 3 runs a side, 10%% run noise: %d of 200 worse", worse)
	if worse > 4 {
		t.Fatalf("%d of 200 comparisons of identical builds called worse", worse)
	}
}

// deref is *p, NaN for nil (a figure not measured).
func Deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
