package main

import (
	"errors"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// baselineCandidate runs the same seeded traffic against two scenarios
// (run --baseline A --candidate B) and ends with the compare verdict:
// exit 1 on a significant regression.
func (a *app) baselineCandidate(cmd *cobra.Command, f *runFlags, args []string) error {
	if f.baseline == "" || f.candidate == "" || len(args) > 0 {
		return usage(cmd, errors.New("use --baseline A --candidate B together and without other scenarios"))
	}
	scs, opts, err := a.prepare(cmd, f, []string{f.baseline, f.candidate})
	if err != nil {
		return err
	}
	if len(scs) != 2 {
		return usage(cmd, errors.New("--baseline and --candidate must each name one scenario"))
	}
	base, cand := scs[0], scs[1]
	// Same traffic: the candidate gets the baseline's callers, arrival and seed.
	cp := *cand
	cp.Seed, cp.Callers, cp.Arrival = base.Seed, base.Callers, base.Arrival
	if cmd.Flags().Changed("seed") {
		cp.Seed, base.Seed = f.seed, f.seed
	}
	a.setRunID(opts.RunID)
	defer a.setRunID("")
	var dirs []string
	var reps []*reports.Report
	for _, r := range []struct {
		sc  *scenarios.Scenario
		out string
	}{{base, "baseline"}, {&cp, "candidate"}} {
		o := opts
		o.Out = filepath.Join(opts.Out, r.out)
		res, err := a.runOne(cmd.Context(), r.sc, f, o)
		if err != nil {
			return err
		}
		reps, dirs = append(reps, res.Report), append(dirs, res.Dir)
	}
	if err := reports.WriteTable(a.stderr, reps...); err != nil {
		return err
	}
	return a.verdictOf(dirs[0], dirs[1], opts.Out)
}

// verdictOf compares the two run folders, writes the comparison into out
// and prints its table: exit 1 on a significant regression.
func (a *app) verdictOf(baseDir, candDir, out string) error {
	cmp, err := harness.CompareRuns(baseDir, candDir, reports.CompareOptions{})
	if err != nil {
		return err
	}
	if err := writeComparison(out, cmp); err != nil {
		return err
	}
	if err := reports.WriteComparisonTable(a.stderr, cmp); err != nil {
		return err
	}
	a.logf("comparison: %s", filepath.Join(out, "comparison.html"))
	if cmp.Regression {
		return errext.WithExitCodeIfNone(errSilent, errext.Failed)
	}
	return nil
}
