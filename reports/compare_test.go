package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// syncAct is a synchronous service where 404 of 500 callers gave up: its
// completion p99 over all callers was not reached.
func syncAct() *Report {
	a := NewAggregator(t0)
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
	r := a.Finish(t0.Add(10 * time.Second))
	r.Scenario = ScenarioInfo{Name: "seed-1-sync"}
	r.SUT = SUTInfo{Kind: "reference", Mode: "sync"}
	r.Crashes = Crashes{Count: ptr[int64](0), OOMKills: ptr[int64](0), Restarts: ptr[int64](0), DowntimeS: ptr(0.0)}
	return r
}

// asyncAct is the async split: every caller's upload completes, in 3 s.
func asyncAct() *Report {
	a := NewAggregator(t0)
	a.SetAsync(true)
	for c := int32(0); c < 500; c++ {
		at := time.Duration(c) * 10 * time.Millisecond
		a.AddAttempt(Attempt{Caller: c, Try: 1, Intended: at, Sent: at, Latency: 5 * time.Millisecond, Status: 202})
		a.AddCaller(CallerOutcome{Caller: c, Attempts: 1, Succeeded: true, Completion: 3 * time.Second,
			Accepted: 1, AsyncState: StateDone, AcceptedAt: at, CompletedAt: at + 3*time.Second})
	}
	r := a.Finish(t0.Add(10 * time.Second))
	r.Scenario = ScenarioInfo{Name: "seed-4-async"}
	r.SUT = SUTInfo{Kind: "reference", Mode: "async"}
	r.Crashes = Crashes{Count: ptr[int64](0), OOMKills: ptr[int64](0), Restarts: ptr[int64](0), DowntimeS: ptr(0.0)}
	return r
}

func metric(t *testing.T, c *Comparison, name string) MetricDelta {
	t.Helper()
	for _, m := range c.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %s", name)
	return MetricDelta{}
}

// TestCompareCompletionIsHonest: the sync act's completion p99 is not
// reached (404 of 500 gave up); the async act, whose callers all complete
// in 3 s, is better on it, not +240% worse; drain does not apply to the
// sync side.
func TestCompareCompletionIsHonest(t *testing.T) {
	c := Compare(syncAct(), asyncAct(), nil, nil, CompareOptions{})
	if m := metric(t, c, "completion_p99_ms"); m.Verdict != "better" || m.Base != nil || m.BaseNote != "not reached (19.2% completed)" || m.Delta != nil {
		t.Errorf("completion_p99_ms %+v", m)
	}
	if m := metric(t, c, "completed_fraction"); m.Verdict != "better" || *m.Base != 0.192 || *m.Cand != 1 {
		t.Errorf("completed_fraction %+v", m)
	}
	if m := metric(t, c, "drain_s"); m.Verdict != NotApplicable || m.Base != nil || !strings.HasPrefix(m.BaseNote, "n/a") {
		t.Errorf("drain_s %+v", m)
	}
	if c.Regression {
		t.Errorf("async split called a regression: %+v", c.Metrics)
	}
	// The other way round, the candidate did not reach p99 and completed
	// fewer: worse, and a regression.
	back := Compare(asyncAct(), syncAct(), nil, nil, CompareOptions{})
	if m := metric(t, back, "completion_p99_ms"); m.Verdict != "worse" {
		t.Errorf("censored candidate: %+v", m)
	}
	if m := metric(t, back, "completed_fraction"); m.Verdict != "regression" || !back.Regression {
		t.Errorf("completed fraction dropped: %+v", m)
	}
	table := written(t, func(b *bytes.Buffer) error { return WriteComparisonTable(b, c) })
	for _, want := range []string{"not reached (19.2% completed)", "n/a (synchronous service)"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, "drain_s") && (strings.Contains(line, "same") || strings.Contains(line, "| 0 ")) {
			t.Errorf("drain_s shown as same or 0: %s", line)
		}
	}
}

// TestCompareUnmeasuredIsNotApplicable: crash counts of an attack run were
// not measured: n/a, never same and never 0.
func TestCompareUnmeasuredIsNotApplicable(t *testing.T) {
	base, cand := sample("a", 25*time.Millisecond), sample("a", 25*time.Millisecond)
	cand.Crashes = Crashes{}
	c := Compare(base, cand, nil, nil, CompareOptions{})
	for _, name := range []string{"crashes", "oom_kills", "downtime_s"} {
		if m := metric(t, c, name); m.Verdict != NotApplicable || m.Cand != nil || m.CandNote != "not measured (no crash watch)" {
			t.Errorf("%s %+v", name, m)
		}
	}
	if c.Regression {
		t.Error("an unmeasured metric made a regression")
	}
	var buf bytes.Buffer
	if err := WriteComparisonJSON(&buf, c); err != nil || !strings.Contains(buf.String(), `"candidate": null`) {
		t.Errorf("json: %v", err)
	}
}

func TestCompareSameIsSame(t *testing.T) {
	c := Compare(asyncAct(), asyncAct(), nil, nil, CompareOptions{})
	for _, m := range c.Metrics {
		if m.Verdict != "same" {
			t.Errorf("%s: %s", m.Name, m.Verdict)
		}
	}
}

// TestCompareAmplification: retries that doubled the load are worse (not a
// regression alone); a report without load (written before it existed) is
// n/a, never 0.
func TestCompareAmplification(t *testing.T) {
	base, cand := asyncAct(), classedReport()
	cand.Load.Amplification = ptr(2.0)
	if m := metric(t, Compare(base, cand, nil, nil, CompareOptions{}), "amplification"); m.Verdict != changeWorse || *m.Base != 1 {
		t.Errorf("amplification %+v", m)
	}
	cand.Load = LoadSummary{}
	if m := metric(t, Compare(base, cand, nil, nil, CompareOptions{}), "amplification"); m.Verdict != changeNA || m.CandNote != "not measured (nothing was offered)" {
		t.Errorf("amplification %+v", m)
	}
}
