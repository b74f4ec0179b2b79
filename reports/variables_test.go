package reports

import (
	"math"
	"testing"
)

// TestClassVariables: a class's gate variables are its counts; what it did
// not measure is absent, with the reason a gate shows.
func TestClassVariables(t *testing.T) {
	r := ClassedReport()
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
	rebuilt := RebuiltReport(t)
	for _, c := range []struct {
		r          *Report
		name, want string
	}{
		{r, "p50_ms[idle]", "not measured (class idle sent nothing)"},
		{r, "p99_all_ms[idle]", "not measured (class idle sent nothing)"},
		{r, "amplification[idle]", "not measured (class idle sent nothing)"},
		{r, "gave_up[nope]", `n/a (no class "nope")`},
		{r, "amplification", ""},
		{NewAggregator(T0).Finish(T0), "amplification", "not measured (nothing was offered)"},
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
