package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
)

const compareLong = `compare reads two saved runs (report.json files or run folders) and prints a
table of deltas with a verdict per metric. Latency is compared with a
Mann-Whitney U test on the per-attempt latencies (from attempts.csv) and an
effect-size floor, so two runs of the same build are not a regression; counts
(timeouts, crashes, lost, gave up) are compared exactly.
Exit 0: no significant regression; 1: a regression.`

// compareCmd is `rehearse compare`: whether a candidate regressed against a
// baseline, as an exit code CI can gate on.
func (a *app) compareCmd() *cobra.Command {
	var out, format string
	c := &cobra.Command{
		Use:     "compare [--out DIR] [--format table|md|json|html] BASELINE CANDIDATE",
		Short:   "Compare two runs: deltas with a statistical verdict",
		Long:    compareLong,
		Example: `  rehearse compare rehearsals/old/storm-async rehearsals/new/storm-async`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validComparisonFormat(format) {
				return usage(cmd, fmt.Errorf("--format must be table, md, json or html, got %q", format))
			}
			cmp, err := harness.CompareRuns(args[0], args[1], reports.CompareOptions{})
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
			if cmp.Regression {
				return errext.WithExitCodeIfNone(errSilent, errext.Failed)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "also write comparison.{md,json,html} into DIR")
	c.Flags().StringVar(&format, "format", "table", "output on stdout: table | md | json | html")
	return c
}

// comparisonWriters renders a comparison in each --format.
var comparisonWriters = map[string]func(io.Writer, *reports.Comparison) error{
	"table": reports.WriteComparisonTable,
	"md":    reports.WriteComparisonMarkdown,
	"json":  reports.WriteComparisonJSON,
	"html":  reports.WriteComparisonHTML,
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

// writeComparison writes comparison.{md,json,html} into dir, creating it.
func writeComparison(dir string, cmp *reports.Comparison) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for name, format := range map[string]string{"comparison.md": "md", "comparison.json": "json", "comparison.html": "html"} {
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
