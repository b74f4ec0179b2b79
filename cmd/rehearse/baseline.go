package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/analysis"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// baselineCandidate runs the same seeded traffic against two scenarios
// (run --baseline A --candidate B), --repeat times each, interleaved A, B,
// A, B so that a slow spell of the machine falls on both; each run has its
// own folder (DIR/baseline/run-01/<scenario>/ ...; with one run a side
// DIR/baseline/<scenario>/). It ends with the compare verdict of all runs:
// exit 1 only when the candidate is worse.
func (a *app) baselineCandidate(cmd *cobra.Command, f *runFlags, args []string) error {
	if f.baseline == "" || f.candidate == "" || len(args) > 0 {
		return usage(cmd, errors.New("use --baseline A --candidate B together and without other scenarios"))
	}
	if f.repeat < 1 {
		return usage(cmd, fmt.Errorf("--repeat must be at least 1, got %d", f.repeat))
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
	sides := []abSide{{"baseline", base}, {"candidate", &cp}}
	dirs, last, err := a.interleave(cmd, f, opts, sides)
	if err != nil {
		return err
	}
	if f.repeat == 1 {
		if err := views.WriteTable(a.stderr, last...); err != nil {
			return err
		}
	}
	return a.verdictOf(dirs[0], dirs[1], opts.Out)
}

// abSide is one side of run --baseline/--candidate: its folder name and
// its scenario.
type abSide struct {
	name string
	sc   *scenarios.Scenario
}

// interleave runs the sides in turn, f.repeat times, and returns each
// side's run folders and the reports of the last pair.
func (a *app) interleave(cmd *cobra.Command, f *runFlags, opts harness.Options, sides []abSide) ([][]string, []*reports.Report, error) {
	dirs := make([][]string, len(sides))
	var last []*reports.Report
	eta := etaOf(f.repeat * len(sides))
	for i := range f.repeat {
		last = last[:0]
		for s, side := range sides {
			o := opts
			o.Out = filepath.Join(opts.Out, side.name)
			if f.repeat > 1 {
				o.Out = filepath.Join(o.Out, fmt.Sprintf("run-%02d", i+1))
				a.logf("pair %d/%d: %s %s (%s)", i+1, f.repeat, side.name, side.sc.Name, eta.left())
			}
			start := time.Now()
			res, err := a.runOne(cmd.Context(), side.sc, f, o)
			if err != nil {
				return nil, nil, err
			}
			eta.done(time.Since(start))
			dirs[s] = append(dirs[s], res.Dir)
			last = append(last, res.Report)
		}
	}
	return dirs, last, nil
}

// eta estimates the time left of a series of runs from those done.
type eta struct {
	total, finished int
	spent           time.Duration
}

func etaOf(total int) *eta { return &eta{total: total} }

func (e *eta) done(d time.Duration) { e.finished, e.spent = e.finished+1, e.spent+d }

// left is the estimate as people read it: "about 2m10s left".
func (e *eta) left() string {
	if e.finished == 0 {
		return fmt.Sprintf("%d runs; time left known after the first", e.total)
	}
	per := e.spent / time.Duration(e.finished)
	return fmt.Sprintf("about %s left", (per * time.Duration(e.total-e.finished)).Round(time.Second))
}

// verdictOf compares the runs of both sides, writes compare.{md,json,html}
// into out and prints the table: exit 1 only when the candidate is worse.
func (a *app) verdictOf(baseDirs, candDirs []string, out string) error {
	cmp, err := analysis.CompareRunSets(baseDirs, candDirs, reports.CompareOptions{})
	if err != nil {
		return err
	}
	if err := writeComparison(out, cmp); err != nil {
		return err
	}
	if err := views.WriteComparisonTable(a.stderr, cmp); err != nil {
		return err
	}
	a.logf("comparison: %s", filepath.Join(out, "compare.html"))
	if cmp.Worse() {
		return errext.WithExitCodeIfNone(errSilent, errext.Failed)
	}
	return nil
}
