package reports

import (
	"math"
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

// TestClassVariables: a class's gate variables are its counts; what it did
// not measure is absent, with the reason a gate shows.
func TestClassVariables(t *testing.T) {
	r := classedReport()
	v := Variables(r)
	for name, want := range map[string]float64{
		"gave_up[erp]": 1, "callers[erp]": 4, "attempts[batch]": 4, "retries[batch]": 2, "timeouts[erp]": 1,
		"amplification[erp]": 1.667, "amplification[batch]": 2, "budget_denied[erp]": 1, "breaker_opens[batch]": 2,
		"callers[idle]": 0, "gave_up[idle]": 0, "amplification": 1.8,
	} {
		if got, ok := v[name]; !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
	// p99_ms[erp] is of its successful attempts (100 and 200 ms), not of its
	// timeout (1 s), which p99_all_ms[erp] has.
	if p := v["p99_ms[erp]"]; math.Abs(p-200) > 1 {
		t.Errorf("p99_ms[erp] = %v", p)
	}
	if p := v["p99_all_ms[erp]"]; math.Abs(p-1000) > 2 {
		t.Errorf("p99_all_ms[erp] = %v", p)
	}
	rebuilt := rebuiltReport(t)
	for _, c := range []struct {
		r          *Report
		name, want string
	}{
		{r, "p50_ms[idle]", "not measured (class idle sent nothing)"},
		{r, "p99_all_ms[idle]", "not measured (class idle sent nothing)"},
		{r, "amplification[idle]", "not measured (class idle sent nothing)"},
		{r, "gave_up[nope]", `n/a (no class "nope")`},
		{r, "amplification", ""},
		{NewAggregator(t0).Finish(t0), "amplification", "not measured (nothing was offered)"},
		{rebuilt, "gave_up[default]", "not measured (callers' outcomes not recorded)"},
		{rebuilt, "budget_denied[default]", "not measured (callers' outcomes not recorded)"},
		{rebuilt, "attempts[default]", ""},
		{&Report{}, "gave_up[erp]", "not measured (no caller classes in this report)"},
	} {
		if got := MissingReason(c.r, c.name); got != c.want {
			t.Errorf("MissingReason(%s) = %q, want %q", c.name, got, c.want)
		}
	}
}
