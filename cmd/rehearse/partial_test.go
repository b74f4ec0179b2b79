package main

import (
	"context"
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
)

// A partial merge is never a pass: exit 3, or 1 when a gate already
// failed on what arrived; an invalid run's 3 comes first.
func TestPartialExitCodes(t *testing.T) {
	held, share := int64(40), 1.0/3
	partial := func(gatePass bool) *reports.Report {
		return &reports.Report{Scenario: reports.ScenarioInfo{Name: "merged"}, Verdict: reports.VerdictPartial,
			Gates:         []reports.GateResult{{Expr: "error_rate < 0.01", Pass: gatePass}},
			MissingShards: []reports.MissingShard{{Shard: 2, Of: 3, Callers: &held, Share: &share}}}
	}
	ok := &reports.Report{Scenario: reports.ScenarioInfo{Name: "other"}, Verdict: reports.VerdictPass}
	for _, tc := range []struct {
		reps []*reports.Report
		want int
	}{
		{[]*reports.Report{partial(true)}, exitEnv},
		{[]*reports.Report{partial(false)}, exitFail},
		{[]*reports.Report{ok, partial(true)}, exitEnv},
		{[]*reports.Report{ok}, exitOK},
	} {
		err := outcome(context.Background(), tc.reps, nil)
		if got := exitCode(err); got != tc.want {
			t.Errorf("%d report(s), last %s: exit %d (%v), want %d", len(tc.reps), tc.reps[len(tc.reps)-1].Verdict, got, err, tc.want)
		}
	}
	want := "verdict partial: merged: shard 2 of 3 never reported (33% of the callers), so the figures hold only the callers of the shards that reported"
	if err := outcome(context.Background(), []*reports.Report{partial(true)}, nil); err == nil || err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}
