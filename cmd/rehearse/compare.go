package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness/analysis"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

const compareLong = `compare judges a candidate against a baseline. Each side is a report.json, a
run folder, or a folder holding several runs of one scenario (CI artifacts, the
folders of run --repeat).

With several runs a side, each run is one observation: per metric, each side's
median and range, the Hodges-Lehmann shift with its 95% interval, a
Mann-Whitney p across runs and Holm's correction across metrics. A metric is
worse only when significant AND the whole interval lies beyond its tolerance
(defaults, or the scenario's compare block); same when the interval lies
within it; inconclusive otherwise. Integrity counts (lost, duplicates,
crashes) are compared exactly. With one run a side the verdict rests on the
attempts of that run (a weaker test; the output says so). Latencies (p50_ms,
p90_ms, p99_ms, the CDFs) are of the successful attempts: failing faster is
not better latency, it shows in error_rate.

Ask for 5 runs a side at least (10 for a change close to the noise).
Exit 0: better, same or inconclusive; 1: worse.`

// compareCmd is `rehearse compare`: whether a candidate is worse than a
// baseline, as an exit code CI can gate on.
func (a *app) compareCmd() *cobra.Command {
	var out, format string
	c := &cobra.Command{
		Use:   "compare [--out DIR] [--format table|md|json|html] BASELINE CANDIDATE",
		Short: "Compare runs of two builds: shifts with intervals and a verdict",
		Long:  compareLong,
		Example: `  rehearse compare rehearsals/old/storm-async rehearsals/new/storm-async
  rehearse compare --out cmp/ rehearsals/ab/baseline rehearsals/ab/candidate`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validComparisonFormat(format) {
				return usage(cmd, fmt.Errorf("--format must be table, md, json or html, got %q", format))
			}
			cmp, err := analysis.CompareRuns(args[0], args[1], reports.CompareOptions{})
			if err != nil {
				return errext.WithExitCodeIfNone(err, errext.Usage)
			}
			if out != "" {
				if err := writeComparison(out, cmp); err != nil {
					return err
				}
			}
			if err := renderComparison(a.stdout, format, cmp); err != nil {
				return err
			}
			if cmp.Worse() {
				return errext.WithExitCodeIfNone(errSilent, errext.Failed)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "also write compare.{md,json,html} into DIR")
	c.Flags().StringVar(&format, "format", "table", "output on stdout: table | md | json | html")
	return c
}

// comparisonWriters renders a comparison in each --format.
var comparisonWriters = map[string]func(io.Writer, *reports.Comparison) error{
	"table": views.WriteComparisonTable,
	"md":    views.WriteComparisonMarkdown,
	"json":  reports.WriteComparisonJSON,
	"html":  views.WriteComparisonHTML,
}

func validComparisonFormat(format string) bool { return comparisonWriters[format] != nil }

// renderComparison writes cmp to w in format (a key of comparisonWriters).
func renderComparison(w io.Writer, format string, cmp *reports.Comparison) error {
	write, ok := comparisonWriters[format]
	if !ok {
		return fmt.Errorf("--format must be table, md, json or html, got %q", format)
	}
	return write(w, cmp)
}

// writeComparison writes compare.{md,json,html} into dir, creating it.
func writeComparison(dir string, cmp *reports.Comparison) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for name, format := range map[string]string{"compare.md": "md", "compare.json": "json", "compare.html": "html"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
		err = renderComparison(f, format, cmp)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
