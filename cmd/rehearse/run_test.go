package main

import (
	"context"
	"errors"
	"testing"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/reports"
)

// TestOutcome: the exit of a run of several scenarios, strongest reason
// first: an error, an interrupt, an invalid run (the generator failed), a
// failed expectation.
func TestOutcome(t *testing.T) {
	rep := func(name string, v, expect reports.Verdict) *reports.Report {
		r := &reports.Report{Verdict: v, Expect: expect}
		r.Scenario.Name = name
		return r
	}
	pass, fail := rep("a", reports.VerdictPass, ""), rep("b", reports.VerdictFail, "")
	expectedFail := rep("c", reports.VerdictFail, reports.VerdictFail)
	invalid := rep("d", reports.VerdictInvalid, "")
	unchecked := rep("e", reports.VerdictNoGates, "")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for name, tc := range map[string]struct {
		ctx  context.Context
		reps []*reports.Report
		err  error
		want int
	}{
		"all pass":          {context.Background(), []*reports.Report{pass, expectedFail}, nil, exitOK},
		"a gate failed":     {context.Background(), []*reports.Report{pass, fail}, nil, exitFail},
		"no gates":          {context.Background(), []*reports.Report{unchecked, pass}, nil, exitOK},
		"generator failed":  {context.Background(), []*reports.Report{fail, invalid}, nil, exitEnv},
		"interrupted":       {cancelled, []*reports.Report{fail}, nil, exitInterrupted},
		"error wins":        {cancelled, []*reports.Report{invalid}, harness.ErrDockerUnavailable, exitEnv},
		"interrupted error": {context.Background(), nil, harness.ErrInterrupted, exitInterrupted},
	} {
		err := outcome(tc.ctx, tc.reps, tc.err)
		if got := exitCode(err); got != tc.want {
			t.Errorf("%s: exit %d, want %d (%v)", name, got, tc.want, err)
		}
		if tc.want == exitFail && !errors.Is(err, errSilent) {
			t.Errorf("%s: a failed gate repeats what the table said: %v", name, err)
		}
	}
}
