package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// searchOne runs one search, says its answer and where it is written. An
// interrupted search has written its answer so far and is exit 130.
func (a *app) searchOne(cmd *cobra.Command, o harness.CapacityOptions, sc *scenarios.Scenario) (*reports.Capacity, error) {
	ctx := cmd.Context()
	a.logf("capacity of %s by %s: run id %s, output %s", sc.Name, o.By, o.Run.RunID, o.Run.Out)
	c, err := harness.Capacity(ctx, sc, o)
	if c != nil {
		a.logf("%s — %s", views.CapacityHeadline(c), filepath.Join(o.Run.Out, harness.CapacityHTML))
		for _, n := range c.Notes {
			a.logf("note: %s", n)
		}
	}
	if err != nil {
		return c, err
	}
	if ctx.Err() != nil {
		return c, errext.WithExitCodeIfNone(fmt.Errorf("interrupted: every finished probe is kept in %s: %w", o.Run.Out, ctx.Err()), errext.Interrupted)
	}
	return c, nil
}

// probeLine is the progress line before each probe:
// "probe 5: 1,400 callers — bracket [1,200, 1,600], about 6 min left".
func (a *app) probeLine(p harness.Progress) {
	line := fmt.Sprintf("probe %d: %s %s", p.N, reports.Commas(p.Level), p.Unit)
	if p.Of > 1 {
		line += fmt.Sprintf(" (run %d of %d)", p.Repeat, p.Of)
	}
	line += " — bracket " + reports.BracketText(p.Bracket)
	if p.Left >= 0 {
		line += ", about " + minutes(p.Left) + " left"
	} else {
		line += ", time left known once a level fails"
	}
	a.logf("%s", line)
}

// minutes writes a duration as people estimate it: "6 min", "40 s".
func minutes(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Round(time.Second).Seconds()))
	}
	return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
}

// capacityOutcome is the exit of one search: 0 when a capacity was found
// (and is at least --min), 1 when none passed or it is below --min, 3
// when --min was not reached because the generator was the limit.
func capacityOutcome(cmd *cobra.Command, f *capacityFlags, c *reports.Capacity) error {
	switch {
	case c.Capacity == nil && c.GeneratorLimited:
		return errext.WithExitCodeIfNone(errext.WithHint(errors.New("no level was measured: the generator could not offer it"),
			"shard it (--shards) or lower --from"), errext.Environment)
	case c.Capacity == nil:
		return errext.WithExitCodeIfNone(errSilent, errext.Failed)
	case cmd.Flags().Changed("min") && *c.Capacity < f.min && c.GeneratorLimited:
		return errext.WithExitCodeIfNone(fmt.Errorf("capacity ≥ %s is below --min %s, but only because the generator could not offer more",
			reports.Commas(*c.Capacity), reports.Commas(f.min)), errext.Environment)
	case cmd.Flags().Changed("min") && *c.Capacity < f.min:
		return errext.WithExitCodeIfNone(fmt.Errorf("capacity %s is below --min %s", c.LevelText(*c.Capacity), reports.Commas(f.min)), errext.Failed)
	}
	return nil
}

// capacityAB searches the baseline, then the candidate, into DIR/baseline
// and DIR/candidate, and says whether the candidate's capacity is lower
// (exit 1), the same or higher, beyond the precision.
func (a *app) capacityAB(cmd *cobra.Command, f *capacityFlags, o harness.CapacityOptions, base, cand *scenarios.Scenario) error {
	var sides [2]*reports.Capacity
	for i, side := range []struct {
		name string
		sc   *scenarios.Scenario
	}{{"baseline", base}, {"candidate", cand}} {
		so := o
		so.Run.Out = filepath.Join(o.Run.Out, side.name)
		if o.From == 0 {
			// Both sides start from the same level: the baseline's.
			so.From = max(1, harness.ScenarioLevel(base, o.By)/4)
		}
		a.logf("%s: %s", side.name, side.sc.Name)
		c, err := a.searchOne(cmd, so, side.sc)
		if err != nil {
			return err
		}
		sides[i] = c
	}
	cmp := reports.CompareCapacity(sides[0], sides[1], o.Precision)
	if err := harness.WriteCapacityComparison(o.Run.Out, cmp); err != nil {
		return err
	}
	a.logf("%s — %s", views.CapacityComparisonText(cmp), filepath.Join(o.Run.Out, "capacity-compare.md"))
	if cmp.Verdict == reports.CapacityLower {
		return errext.WithExitCodeIfNone(errSilent, errext.Failed)
	}
	return nil
}
