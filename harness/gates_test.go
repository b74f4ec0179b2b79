package harness

import (
	"slices"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestGateVariablesAreReportVariables ties the two lists that must agree:
// a gate may name exactly the variables a report can fill, so neither side
// can grow a name the other does not know.
func TestGateVariablesAreReportVariables(t *testing.T) {
	if !slices.Equal(scenarios.GateVariables, reports.VariableNames) {
		t.Fatalf("scenarios.GateVariables %v\n!= reports.VariableNames %v", scenarios.GateVariables, reports.VariableNames)
	}
	if !slices.Equal(scenarios.WindowGateVariables, reports.WindowVariableNames) {
		t.Fatalf("scenarios.WindowGateVariables %v\n!= reports.WindowVariableNames %v", scenarios.WindowGateVariables, reports.WindowVariableNames)
	}
	if !slices.Equal(scenarios.ClassGateVariables, reports.ClassVariableNames) {
		t.Fatalf("scenarios.ClassGateVariables %v\n!= reports.ClassVariableNames %v", scenarios.ClassGateVariables, reports.ClassVariableNames)
	}
}

// TestClassGateReadsTheClass: a gate on a class reads that class's value
// under the key the report gives it, and one on a class that sent nothing
// fails with the report's reason, never passes on 0.
func TestClassGateReadsTheClass(t *testing.T) {
	rep := &reports.Report{Classes: map[string]*reports.ClassReport{
		"erp":  {Callers: 3, GaveUp: 1, Attempts: 4, FirstAttempts: 3},
		"idle": {},
	}}
	gates := []scenarios.Gate{{Expr: "gave_up[erp] == 0"}, {Expr: "callers[erp] == 3"}, {Expr: "p99_ms[idle] < 500"}}
	EvaluateGates(rep, gates, nil)
	g := rep.Gates
	if g[0].Pass || g[0].Value == nil || *g[0].Value != 1 || !g[1].Pass ||
		g[2].Pass || g[2].Value != nil || g[2].Reason != reports.MissingReason(rep, "p99_ms[idle]") || g[2].Reason == "" {
		t.Fatalf("gates %+v %+v %+v", g[0], g[1], g[2])
	}
}

// TestUnmeasuredGateFails: a gate on a variable that was not measured (the
// crash count of rehearse attack) fails with that reason, never passes on 0.
func TestUnmeasuredGateFails(t *testing.T) {
	g := scenarios.Gate{Expr: "crashes == 0"}
	rep := &reports.Report{Crashes: reports.Crashes{}}
	EvaluateGates(rep, []scenarios.Gate{g}, nil)
	if rep.Verdict != reports.VerdictFail || rep.Gates[0].Pass || rep.Gates[0].Value != nil ||
		rep.Gates[0].Reason != reports.MissingReason(rep, "crashes") {
		t.Fatalf("verdict %s gate %+v", rep.Verdict, rep.Gates[0])
	}
}

// TestSignatureDecidesTheExpectation: an expected failure that fails for
// the wrong reason (no crash where the scenario claims one) did not meet
// its expectation; with the crash it did.
func TestSignatureDecidesTheExpectation(t *testing.T) {
	zero, one := int64(0), int64(1)
	down := 0.0
	gates := []scenarios.Gate{{Expr: "timeouts == 0"}}
	sig := []scenarios.Gate{{Expr: "crashes > 0"}, {Expr: "timeouts > 0"}}
	for _, c := range []struct {
		crashes *int64
		met     bool
	}{{&zero, false}, {&one, true}} {
		rep := &reports.Report{Expect: reports.VerdictFail, Requests: reports.Requests{Total: 10, Timeouts: 4},
			Crashes: reports.Crashes{Count: c.crashes, OOMKills: &zero, Restarts: &zero, DowntimeS: &down}}
		EvaluateGates(rep, gates, sig)
		if rep.Verdict != reports.VerdictFail || reports.MetExpectation(rep) != c.met {
			t.Errorf("crashes %d: verdict %s met %v signature %+v", *c.crashes, rep.Verdict, reports.MetExpectation(rep), rep.Signature)
		}
	}
}

// TestNoGatesIsNotPass: a scenario without gates checked nothing: its
// verdict is no gates, never pass, and it meets an expectation of pass;
// a generator failure still makes it invalid.
func TestNoGatesIsNotPass(t *testing.T) {
	rep := &reports.Report{Requests: reports.Requests{Total: 10}}
	EvaluateGates(rep, nil, nil)
	if rep.Verdict != reports.VerdictNoGates || !reports.MetExpectation(rep) || len(rep.Gates) != 0 {
		t.Fatalf("verdict %s, met %v", rep.Verdict, reports.MetExpectation(rep))
	}
	rep.Generator.Errors = map[reports.Class]int64{reports.GenOutOfFiles: 1}
	EvaluateGates(rep, nil, nil)
	if rep.Verdict != reports.VerdictInvalid {
		t.Fatalf("generator errors without gates: verdict %s", rep.Verdict)
	}
	gated := &reports.Report{Requests: reports.Requests{Total: 10, OK: 10}}
	EvaluateGates(gated, []scenarios.Gate{{Expr: "ok == 10"}}, nil)
	if gated.Verdict != reports.VerdictPass {
		t.Fatalf("a gate that holds: verdict %s", gated.Verdict)
	}
}

// TestLatencyGatesNameWhich: p99_ms gates the successful attempts and
// p99_all_ms every attempt that reached the service; when nothing
// succeeded a gate on the successful latency fails as not measured, never
// passes on 0 ms, while the one on all attempts is still evaluated.
func TestLatencyGatesNameWhich(t *testing.T) {
	start := time.Now()
	mixed := reports.NewAggregator(start)
	failing := reports.NewAggregator(start)
	for i := range 100 {
		fast := reports.Attempt{Caller: int32(i), Try: 1, Latency: time.Millisecond, Status: 503, Class: reports.ClassHTTP5xx}
		failing.AddAttempt(fast)
		if i%2 == 0 {
			fast = reports.Attempt{Caller: int32(i), Try: 1, Latency: 300 * time.Millisecond, Status: 200}
		}
		mixed.AddAttempt(fast)
	}
	gates := []scenarios.Gate{{Expr: "p99_ms < 100"}, {Expr: "p99_all_ms < 100"}, {Expr: "p50_all_ms < 100"}}
	rep := mixed.Finish(start.Add(time.Second))
	EvaluateGates(rep, gates, nil)
	g := rep.Gates
	// Half of the attempts took 300 ms and succeeded; the other half were
	// 503s in 1 ms: the median of all is 1 ms, every percentile of the
	// successful ones 300 ms.
	if g[0].Pass || g[0].Value == nil || *g[0].Value < 300 || g[1].Pass || !g[2].Pass || *g[2].Value > 2 {
		t.Fatalf("mixed: %+v %+v %+v", g[0], g[1], g[2])
	}
	rep = failing.Finish(start.Add(time.Second))
	EvaluateGates(rep, gates, nil)
	g = rep.Gates
	if rep.Verdict != reports.VerdictFail || g[0].Pass || g[0].Value != nil || g[0].Reason != reports.NoSuccess ||
		!g[1].Pass || g[1].Value == nil || *g[1].Value > 2 {
		t.Fatalf("nothing succeeded: verdict %s gates %+v %+v", rep.Verdict, g[0], g[1])
	}
}
