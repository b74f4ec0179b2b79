package reports_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
)

// TestVariablesAreNamed: Variables fills only names in VariableNames (the
// list a harness test ties to scenarios.GateVariables), and a report that
// measured everything fills every one of them.
func TestVariablesAreNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range reports.VariableNames {
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
	}
	full := reportstest.Sample("a", 20*time.Millisecond)
	full.Completion.P99 = new(3000.0)
	zero := int64(0)
	full.Data = &reports.DataReport{PreloadedCallers: 3, PreloadedRecords: 30, MissingRecords: &zero, InvalidatedCallers: &zero}
	full.Login = &reports.Login{Attempts: 20}
	for _, r := range []*reports.Report{full, attackReport(), invalidReport(), reports.RebuiltReport(t), reports.SyncAct(), reports.NewAggregator(reports.T0).Finish(reports.T0), reports.ClassedReport()} {
		names := slices.Clone(reports.VariableNames)
		for class := range r.Classes {
			for _, name := range reports.ClassVariableNames {
				names = append(names, reports.ClassVariable(name, class))
			}
		}
		for name := range reports.Variables(r) {
			if !slices.Contains(names, name) {
				t.Errorf("Variables fills %q, not in VariableNames nor a class's ClassVariableNames", name)
			}
		}
		for _, name := range names {
			if _, ok := reports.Variables(r)[name]; !ok && reports.MissingReason(r, name) == "" {
				t.Errorf("%s of %s: absent without a reason", name, r.Scenario.Name)
			}
		}
	}
	v := reports.Variables(full)
	for _, name := range reports.VariableNames {
		if _, ok := v[name]; !ok {
			t.Errorf("a fully measured report lacks %s (%s)", name, reports.MissingReason(full, name))
		}
	}
}
