package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
)

// reportWriters renders one report in each --format.
var reportWriters = map[string]func(io.Writer, *reports.Report) error{
	"table": func(w io.Writer, r *reports.Report) error { return reports.WriteTable(w, r) },
	"json":  reports.WriteJSON,
	"md":    func(w io.Writer, r *reports.Report) error { return reports.WriteMarkdown(w, r) },
	"html":  reports.WriteHTML,
	"junit": func(w io.Writer, r *reports.Report) error { return reports.WriteJUnit(w, r) },
}

const reportLong = `report re-renders a saved run (a report.json or a run folder) on stdout.

A run folder with attempts.csv but no report.json is a run that was killed
before it could write its report (kill -9, a crashed machine): report rebuilds
a partial report from its attempts, marked interrupted, and says so on stderr.
The folder is left as it is.`

// reportCmd is `rehearse report`: a saved run in another format, without
// running it again.
func (a *app) reportCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "report [--format table|json|md|html|junit] RUN",
		Short: "Re-render a saved run",
		Long:  reportLong,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, ok := reportWriters[format]
			if !ok {
				return usage(cmd, fmt.Errorf("--format must be table, json, md, html or junit, got %q", format))
			}
			rep, err := a.loadReport(args[0])
			if err != nil {
				return errext.WithExitCodeIfNone(err, errext.Usage)
			}
			return write(a.stdout, rep)
		},
	}
	c.Flags().StringVar(&format, "format", "table", "table | json | md | html | junit")
	return c
}

// loadReport loads the report of path, a report.json or a run folder. A
// folder that has an attempt log but no report.json gets a partial report
// rebuilt from the log, and stderr says so.
func (a *app) loadReport(path string) (*reports.Report, error) {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return reports.Load(path)
	}
	if _, err := os.Stat(filepath.Join(path, harness.ReportJSON)); !errors.Is(err, fs.ErrNotExist) {
		return reports.Load(path)
	}
	f, err := os.Open(filepath.Join(path, reports.AttemptLogFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load report: %s has neither %s nor %s: is it a run folder?", path, harness.ReportJSON, reports.AttemptLogFile)
	}
	if err != nil {
		return nil, fmt.Errorf("load report: %w", err)
	}
	defer f.Close()
	// When the storm started is not recorded outside report.json.
	rep, err := reports.Rebuild(f, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	rep.Scenario.Name = filepath.Base(filepath.Clean(path)) // the run folder is named after its scenario
	a.logf("%s has no %s (the run was killed before writing it): rebuilt a partial report from %s, marked interrupted",
		path, harness.ReportJSON, reports.AttemptLogFile)
	return rep, nil
}
