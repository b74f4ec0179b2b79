package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness/analysis"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
)

const historyLong = `history reads many runs of one scenario (report.json files, run folders, or
folders of them: CI artifacts gathered over weeks) and writes a trend page
(history.html: each headline metric over time, each run a point) and a
Markdown digest (history.md) into --out.

Each run is judged against the up to --window runs before it on the same
machine, by compare's test with one run on the candidate side: a metric is
worse when the run is beyond every run of the window by more than the metric's
tolerance (lost, duplicates and crashes: any rise). Runs made on another kind
of machine (CPU model, count, memory) are not compared with each other, and
the page and the digest say where the machine changed.

Exit 0 always once written: history informs, compare gates.`

// historyCmd is `rehearse history`: trends of one scenario across many runs.
func (a *app) historyCmd() *cobra.Command {
	var out, scenario string
	var window int
	c := &cobra.Command{
		Use:     "history [--out DIR] [--scenario NAME] [--window N] DIR...",
		Short:   "Trend page and digest of many runs of one scenario",
		Long:    historyLong,
		Example: `  rehearse history --out trend/ artifacts/`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if window < 1 {
				return usage(cmd, fmt.Errorf("--window must be at least 1, got %d", window))
			}
			runs, err := analysis.LoadHistory(args, scenario)
			if err != nil {
				return errext.WithExitCodeIfNone(err, errext.Usage)
			}
			h := reports.BuildHistory(runs, reports.HistoryOptions{Window: window, MinWindow: min(window, reports.DefaultHistoryMinWindow)})
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", out, err)
			}
			if err := analysis.WriteHistory(out, h); err != nil {
				return err
			}
			regressions := 0
			for _, p := range h.Points {
				if len(p.Worse) > 0 {
					regressions++
				}
			}
			a.logf("history of %s: %d runs, %d worse than the runs before them — %s", h.Scenario, len(h.Points), regressions, filepath.Join(out, analysis.HistoryHTML))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "history", "folder to write history.html and history.md into")
	c.Flags().StringVar(&scenario, "scenario", "", "the scenario to follow when the folders hold runs of several")
	c.Flags().IntVar(&window, "window", reports.DefaultHistoryWindow, "how many runs before a run (on the same machine) it is judged against")
	return c
}
