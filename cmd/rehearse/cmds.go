package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/sutrun"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

func (a *app) compareCmd() *cobra.Command {
	var out, format string
	c := &cobra.Command{
		Use:   "compare [--out DIR] [--format table|md|json|html] BASELINE CANDIDATE",
		Short: "Compare two runs: deltas with a statistical verdict",
		Long: `compare reads two saved runs (report.json files or run folders) and prints a
table of deltas with a verdict per metric. Latency is compared with a
Mann-Whitney U test on the per-attempt latencies (from attempts.csv) and an
effect-size floor, so two runs of the same build are not a regression; counts
(timeouts, crashes, lost, gave up) are compared exactly.
Exit 0: no significant regression; 1: a regression.`,
		Example: `  rehearse compare rehearsals/old/storm-async rehearsals/new/storm-async`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cmp, err := harness.CompareRuns(args[0], args[1], reports.CompareOptions{})
			if err != nil {
				return &exitError{exitUsage, err}
			}
			if out != "" {
				if err := writeComparison(out, cmp); err != nil {
					return err
				}
			}
			if err := renderComparison(a.stdout, format, cmp); err != nil {
				return &exitError{exitUsage, err}
			}
			if cmp.Regression {
				return &exitError{exitFail, errSilent}
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "also write comparison.{md,json,html} into DIR")
	c.Flags().StringVar(&format, "format", "table", "output on stdout: table | md | json | html")
	return c
}

func renderComparison(w io.Writer, format string, cmp *reports.Comparison) error {
	switch format {
	case "table":
		return reports.WriteComparisonTable(w, cmp)
	case "md":
		return reports.WriteComparisonMarkdown(w, cmp)
	case "json":
		return reports.WriteComparisonJSON(w, cmp)
	case "html":
		return reports.WriteComparisonHTML(w, cmp)
	}
	return fmt.Errorf("--format must be table, md, json or html, got %q", format)
}

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

func (a *app) reportCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "report [--format table|json|md|html|junit] RUN",
		Short: "Re-render a saved run",
		Long:  "report re-renders a saved run (a report.json or a run folder) on stdout.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := reports.Load(args[0])
			if err != nil {
				return &exitError{exitUsage, err}
			}
			var werr error
			switch format {
			case "table":
				werr = reports.WriteTable(a.stdout, rep)
			case "json":
				werr = reports.WriteJSON(a.stdout, rep)
			case "md":
				werr = reports.WriteMarkdown(a.stdout, rep)
			case "html":
				werr = reports.WriteHTML(a.stdout, rep)
			case "junit":
				werr = reports.WriteJUnit(a.stdout, rep)
			default:
				return &exitError{exitUsage, fmt.Errorf("--format must be table, json, md, html or junit, got %q", format)}
			}
			return werr
		},
	}
	c.Flags().StringVar(&format, "format", "table", "table | json | md | html | junit")
	return c
}

func (a *app) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate SCENARIO...",
		Short: "Check scenarios without Docker",
		Long: `validate loads each SCENARIO strictly (an unknown key is an error) and reports
every problem at once as file:line:column. Exit 0 when all are valid, 2 otherwise.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var errs []error
			for _, arg := range args {
				scs, err := scenarios.Resolve(arg)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				for _, sc := range scs {
					fmt.Fprintf(a.stdout, "ok  %s (%s)\n", sc.Name, sc.File)
				}
			}
			if err := errors.Join(errs...); err != nil {
				return &exitError{exitUsage, err}
			}
			return nil
		},
	}
}

func (a *app) listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the built-in scenarios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSUITE\tDESCRIPTION")
			for _, b := range scenarios.Builtins() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Name, b.Suite, b.Description)
			}
			return tw.Flush()
		},
	}
}

func (a *app) sweepCmd() *cobra.Command {
	var olderThan time.Duration
	var run string
	c := &cobra.Command{
		Use:   "sweep",
		Short: "Remove every Docker object rehearse left behind",
		Long: `sweep removes every container, network and volume labelled rehearse.run, e.g.
what a kill -9'd run left. --older-than spares runs that may still be going;
--run removes one run's objects only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var s sutrun.Swept
			var err error
			if run != "" {
				s, err = sutrun.SweepRun(cmd.Context(), run)
			} else {
				s, err = sutrun.Sweep(cmd.Context(), olderThan)
			}
			if err != nil {
				return &exitError{exitEnv, err}
			}
			fmt.Fprintf(a.stderr, "swept %d containers, %d networks, %d volumes, %d images\n", s.Containers, s.Networks, s.Volumes, s.Images)
			return nil
		},
	}
	c.Flags().DurationVar(&olderThan, "older-than", 0, "only remove objects older than this (0 = all)")
	c.Flags().StringVar(&run, "run", "", "only remove the objects of this run id (rh-...)")
	return c
}

func (a *app) imagesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "images",
		Short: "Build the reference image rehearse/uploadsvc:<content hash>",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			img, err := sutrun.BuildReferenceImage(cmd.Context(), "", logger(a.stderr))
			if err != nil {
				return &exitError{exitEnv, err}
			}
			fmt.Fprintln(a.stdout, img)
			return nil
		},
	}
}

// baselineCandidate runs the same seeded traffic against two scenarios and
// ends with the compare verdict.
func (a *app) baselineCandidate(cmd *cobra.Command, f *runFlags, args []string) error {
	if f.baseline == "" || f.candidate == "" || len(args) > 0 {
		return &exitError{exitUsage, errors.New("use --baseline A --candidate B together and without other scenarios")}
	}
	scs, err := loadScenarios([]string{f.baseline, f.candidate}, f.scale)
	if err != nil {
		return err
	}
	if len(scs) != 2 {
		return &exitError{exitUsage, errors.New("--baseline and --candidate must each name one scenario")}
	}
	base, cand := scs[0], scs[1]
	// Same traffic: the candidate gets the baseline's callers, arrival and seed.
	cp := *cand
	cp.Seed, cp.Callers, cp.Arrival = base.Seed, base.Callers, base.Arrival
	if f.seed != 0 || cmd.Flags().Changed("seed") {
		cp.Seed, base.Seed = f.seed, f.seed
	}
	opts, err := f.options(a, cmd)
	if err != nil {
		return err
	}
	a.setRunID(opts.RunID)
	defer a.setRunID("")
	baseOpts, candOpts := opts, opts
	baseOpts.Out = filepath.Join(opts.Out, "baseline")
	candOpts.Out = filepath.Join(opts.Out, "candidate")
	var reps []*reports.Report
	var dirs []string
	for _, r := range []struct {
		sc   *scenarios.Scenario
		opts harness.Options
	}{{base, baseOpts}, {&cp, candOpts}} {
		opts.Logf("%s: starting (%s)", r.sc.Name, describe(r.sc, f))
		stop := a.progress(f.progress, r.sc, &r.opts)
		res, err := harness.Run(cmd.Context(), r.sc, r.opts)
		stop()
		if err != nil {
			return err
		}
		reps, dirs = append(reps, res.Report), append(dirs, res.Dir)
	}
	if err := reports.WriteTable(a.stderr, reps...); err != nil {
		return err
	}
	cmp, err := harness.CompareRuns(dirs[0], dirs[1], reports.CompareOptions{})
	if err != nil {
		return err
	}
	if err := writeComparison(opts.Out, cmp); err != nil {
		return err
	}
	if err := reports.WriteComparisonTable(a.stderr, cmp); err != nil {
		return err
	}
	opts.Logf("comparison: %s", filepath.Join(opts.Out, "comparison.html"))
	if cmp.Regression {
		return &exitError{exitFail, errSilent}
	}
	return nil
}
