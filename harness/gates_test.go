package harness

import (
	"slices"
	"testing"

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
}

// TestUnmeasuredGateFails: a gate on a variable that was not measured (the
// crash count of rehearse attack) fails with that reason, never passes on 0.
func TestUnmeasuredGateFails(t *testing.T) {
	g := scenarios.Gate{Expr: "crashes == 0"}
	rep := &reports.Report{Crashes: reports.Crashes{}}
	EvaluateGates(rep, []scenarios.Gate{g})
	if rep.Verdict != reports.VerdictFail || rep.Gates[0].Pass || rep.Gates[0].Value != nil ||
		rep.Gates[0].Reason != "crashes was not measured" {
		t.Fatalf("verdict %s gate %+v", rep.Verdict, rep.Gates[0])
	}
}
