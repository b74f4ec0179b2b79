package reports

import (
	"slices"
	"testing"
	"time"
)

// TestVariablesAreNamed: Variables fills only names in VariableNames (the
// list a harness test ties to scenarios.GateVariables), and a report that
// measured everything fills every one of them.
func TestVariablesAreNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range VariableNames {
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
	}
	full := sample("a", 20*time.Millisecond)
	full.Completion.P99 = ptr(3000.0)
	zero := int64(0)
	full.Data = &DataReport{PreloadedCallers: 3, PreloadedRecords: 30, MissingRecords: &zero, InvalidatedCallers: &zero}
	full.Login = &Login{Attempts: 20}
	for _, r := range []*Report{full, attackReport(), invalidReport(), rebuiltReport(t), syncAct(), NewAggregator(t0).Finish(t0), classedReport()} {
		names := slices.Clone(VariableNames)
		for class := range r.Classes {
			for _, name := range ClassVariableNames {
				names = append(names, ClassVariable(name, class))
			}
		}
		for name := range Variables(r) {
			if !slices.Contains(names, name) {
				t.Errorf("Variables fills %q, not in VariableNames nor a class's ClassVariableNames", name)
			}
		}
		for _, name := range names {
			if _, ok := Variables(r)[name]; !ok && MissingReason(r, name) == "" {
				t.Errorf("%s of %s: absent without a reason", name, r.Scenario.Name)
			}
		}
	}
	v := Variables(full)
	for _, name := range VariableNames {
		if _, ok := v[name]; !ok {
			t.Errorf("a fully measured report lacks %s (%s)", name, MissingReason(full, name))
		}
	}
}
