package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

const mergeLong = `merge turns the results of a storm's shards (--shard i/n on several machines or
processes) into one run folder with every view: report.json, report.html,
report.md, junit.xml and the merged attempts.csv. Every shard's attempts go
through one aggregator on one clock, so the counts are what one machine
running all the callers would report, and the percentiles come from the
merged histograms (percentiles cannot be averaged; histograms can be added).
Each shard's own lag, errors and lateness stay in the report's shards.

Shards of different scenarios, seeds, shard counts or binaries are refused.
A shard that never reported is named with its share of the callers, and the
verdict is partial: never a pass (exit 3, or 1 when a gate already failed on
what arrived). With --from-logs the arguments are logs holding shard results
printed by --emit-result (docker service logs, kubectl logs); a log without
any is a usage error.`

// mergeCmd is `rehearse merge`.
func (a *app) mergeCmd() *cobra.Command {
	var out string
	var partial, fromLogs bool
	c := &cobra.Command{
		Use:   "merge [--out DIR] [--from-logs] DIR|LOG...",
		Short: "Merge the shards of a distributed storm into one report",
		Long:  mergeLong,
		Example: `  rehearse merge --out merged/ shard-0/ shard-1/ shard-2/
  rehearse merge --from-logs --out merged/ shard-*.log`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				out = harness.DefaultOut(time.Now())
			}
			opts := distribute.MergeOptions{Logf: a.logf}
			var res *harness.Result
			var err error
			if fromLogs {
				res, err = a.mergeLogs(cmd, args, out, opts)
			} else {
				res, err = distribute.Merge(cmd.Context(), args, out, opts)
			}
			if err != nil {
				return err
			}
			return a.showMerged(cmd, res)
		},
	}
	c.Flags().StringVar(&out, "out", "", "output folder (default ./rehearsals/<UTC timestamp>)")
	c.Flags().BoolVar(&partial, "allow-partial", false, "no effect: a merge missing shards always writes its report, with verdict partial")
	_ = c.Flags().MarkDeprecated("allow-partial", allowPartialGone) // the flag exists: no error
	c.Flags().BoolVar(&fromLogs, "from-logs", false, "the arguments are logs holding shard results printed by --emit-result")
	return c
}

// allowPartialGone is what --allow-partial says now that a partial merge
// is never a pass.
const allowPartialGone = "a merge missing shards always writes its report, and its verdict is partial (exit 3, never a pass)"

// mergeLogs opens the logs and merges the shard results they hold.
func (a *app) mergeLogs(cmd *cobra.Command, paths []string, out string, opts distribute.MergeOptions) (*harness.Result, error) {
	var logs []io.Reader
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, usage(cmd, err)
		}
		defer f.Close()
		logs = append(logs, f)
	}
	if len(logs) == 0 {
		return nil, usage(cmd, errors.New("no log given"))
	}
	return distribute.MergeLogs(cmd.Context(), logs, out, opts)
}

// showMerged prints a merged report's table and verdict and turns it into
// the exit code, as run does for one scenario.
func (a *app) showMerged(cmd *cobra.Command, res *harness.Result) error {
	if err := views.WriteTable(a.stderr, res.Report); err != nil {
		return err
	}
	a.logf("%s: %s, %s — %s", res.Report.Scenario.Name, reports.VerdictText(res.Report), reports.ErrorRateText(res.Report), filepath.Join(res.Dir, reports.ReportHTML))
	return outcome(cmd.Context(), []*reports.Report{res.Report}, nil)
}
