package analysis

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestCompareMetricsAgree: a scenario's compare block may set exactly the
// metrics compare judges.
func TestCompareMetricsAgree(t *testing.T) {
	if !slices.Equal(scenarios.CompareMetrics, reports.CompareMetricNames()) {
		t.Fatalf("scenarios.CompareMetrics %v\nreports.CompareMetricNames %v", scenarios.CompareMetrics, reports.CompareMetricNames())
	}
}

// savedRun writes a run folder of scenario name started at day d, with
// p50 latency ms and the scenario source src.
func savedRun(t *testing.T, dir, name string, d int, ms float64, src string) {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(d) * 24 * time.Hour)
	a := reports.NewAggregator(t0)
	for c := int32(0); c < 50; c++ {
		a.AddAttempt(reports.Attempt{Caller: c, Try: 1, Latency: time.Duration(ms * float64(time.Millisecond)), Status: 200})
		a.AddCaller(reports.CallerOutcome{Caller: c, Attempts: 1, Succeeded: true, Completion: time.Duration(ms * float64(time.Millisecond))})
	}
	r := a.Finish(t0.Add(5 * time.Second))
	r.Scenario = reports.ScenarioInfo{Name: name, Seed: 1}
	r.ScenarioYAML = src
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := harness.WriteRunFolder(dir, r); err != nil {
		t.Fatal(err)
	}
}

// TestLoadRunsAndCompareRuns: a folder of runs is read at any depth in the
// order the runs started, with this machine recorded; the tolerances come
// from the candidate's scenario; runs of two scenarios in one folder are
// refused with their names.
func TestLoadRunsAndCompareRuns(t *testing.T) {
	root := t.TempDir()
	src := "name: s\ncompare: {p50_ms: 50%}\n"
	for i, d := range []int{3, 1, 2, 4} {
		savedRun(t, filepath.Join(root, "base", "run-0"+string(rune('1'+i)), "s"), "s", d, 20, "name: s\n")
		savedRun(t, filepath.Join(root, "cand", "run-0"+string(rune('1'+i)), "s"), "s", d, 26, src)
	}
	runs, err := LoadRuns(filepath.Join(root, "base"))
	if err != nil || len(runs) != 4 {
		t.Fatalf("%d runs: %v", len(runs), err)
	}
	if !runs[0].Report.StartedAt.Before(runs[1].Report.StartedAt) || runs[0].Report.Host == nil || runs[0].Latencies != nil {
		t.Fatalf("order, host or latencies: %+v", runs[0])
	}
	c, err := CompareRuns(filepath.Join(root, "base"), filepath.Join(root, "cand"), reports.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Metrics {
		if m.Name == "p50_ms" && (!strings.Contains(m.TolText, "50% (min 2 ms) (scenario)") || m.Verdict != reports.VerdictSame) {
			t.Errorf("p50 +30%% with 50%% tolerated: %+v", m)
		}
	}
	if c.Mode != "runs" || c.Baseline.Runs != 4 || len(c.Baseline.Hosts) != 1 {
		t.Fatalf("mode %s side %+v", c.Mode, c.Baseline)
	}
	savedRun(t, filepath.Join(root, "base", "other"), "other", 5, 20, "name: other\n")
	if _, err := LoadRuns(filepath.Join(root, "base")); err == nil || !strings.Contains(err.Error(), "several scenarios (other, s)") {
		t.Fatalf("two scenarios: %v", err)
	}
	if _, err := LoadRuns(t.TempDir()); !errors.Is(err, ErrNoRuns) {
		t.Fatalf("empty folder: %v", err)
	}
	hist, err := LoadHistory([]string{filepath.Join(root, "base"), filepath.Join(root, "cand")}, "s")
	if err != nil || len(hist) != 8 {
		t.Fatalf("history: %d runs, %v", len(hist), err)
	}
}
