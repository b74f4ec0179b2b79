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

	"github.com/rehearse-dev/rehearse/harness/analysis"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// reportWriters renders one report in each --format.
var reportWriters = map[string]func(io.Writer, *reports.Report) error{
	"table": func(w io.Writer, r *reports.Report) error { return views.WriteTable(w, r) },
	"json":  reports.WriteJSON,
	"md":    func(w io.Writer, r *reports.Report) error { return views.WriteMarkdown(w, r) },
	"html":  views.WriteHTML,
	"junit": func(w io.Writer, r *reports.Report) error { return views.WriteJUnit(w, r) },
}

const reportLong = `report re-renders a saved run (a report.json or a run folder) on stdout, or in
FILE with --output.

A run folder with an attempt log (attempts.csv.gz, or attempts.csv) but no
report.json is a run that was killed before it could write its report (kill
-9, a crashed machine): report rebuilds a partial report from its attempts,
marked interrupted, and says so on stderr; from a log of --attempts sample it
says the figures are of that sample. The folder is left as it is.

--format vegeta writes the run's attempts (its attempt log, retries included) as
vegeta results in vegeta's own encoding, what ` + "`vegeta report`" + ` and ` + "`vegeta plot`" + `
read by default; --format vegeta-json writes vegeta's JSON lines:

  rehearse report --format vegeta --output run.bin out/my-scenario
  vegeta report run.bin                   # vegeta's text report of the run
  vegeta plot run.bin > plot.html         # vegeta's latency plot

Each result is one attempt: attack is the scenario's name, seq its place in
send order, code 0 when no answer came, error its class when it failed
("timeout", "http_5xx", "aborted", ...), bytes the bodies' bytes, url the
target and the upload's path as the scenario wrote it ({caller} left in).
vegeta counts a result a success by its code alone (200-399): an attempt cut
off by the run's stop ("aborted") is one of vegeta's failures. What the run
folder does not record (when a killed run started, the bytes in an older
attempts.csv) is filled as vegeta reads it, 0 or 1970-01-01, and said on
stderr: vegeta's format has no "not measured".`

// reportFormats lists --format's values, for its help and its error.
const reportFormats = "table, json, md, html, junit, vegeta or vegeta-json"

// vegetaFormats are the --format values that export attempts as vegeta
// results rather than render a report.
var vegetaFormats = map[string]analysis.VegetaEncoding{"vegeta": analysis.VegetaGob, "vegeta-json": analysis.VegetaJSON}

// reportCmd is `rehearse report`: a saved run in another format, without
// running it again.
func (a *app) reportCmd() *cobra.Command {
	var format, output string
	c := &cobra.Command{
		Use:   "report [--format table|json|md|html|junit|vegeta|vegeta-json] [--output FILE] RUN",
		Short: "Re-render a saved run, or export its attempts as vegeta results",
		Long:  reportLong,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			enc, toVegeta := vegetaFormats[format]
			write, ok := reportWriters[format]
			if !ok && !toVegeta {
				return usage(cmd, fmt.Errorf("--format must be %s, got %q", reportFormats, format))
			}
			var rep *reports.Report
			if !toVegeta {
				var err error
				if rep, err = a.loadReport(args[0]); err != nil {
					return errext.WithExitCodeIfNone(err, errext.Usage)
				}
			}
			return a.writeOutput(output, func(w io.Writer) error {
				if toVegeta {
					return a.exportVegeta(w, args[0], enc)
				}
				return write(w, rep)
			})
		},
	}
	c.Flags().StringVar(&format, "format", "table", "table | json | md | html | junit | vegeta (the attempts as vegeta results, for vegeta report and vegeta plot) | vegeta-json (as vegeta's JSON lines)")
	c.Flags().StringVar(&output, "output", "", "write to `FILE` instead of stdout")
	return c
}

// writeOutput calls write with stdout, or with the file path when one is
// given; a file that write failed to fill is removed.
func (a *app) writeOutput(path string, write func(io.Writer) error) error {
	if path == "" {
		return write(a.stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return errext.WithExitCodeIfNone(fmt.Errorf("create output: %w", err), errext.Usage)
	}
	err = write(f)
	if cerr := f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("write %s: %w", path, cerr)
	}
	if err != nil {
		_ = os.Remove(path) // half a file is worse than none; the error says why
	}
	return err
}

// exportVegeta writes the attempts of run (a run folder, or its
// report.json) as vegeta results and says on stderr what they could not
// hold.
func (a *app) exportVegeta(w io.Writer, run string, enc analysis.VegetaEncoding) error {
	dir := run
	if st, err := os.Stat(run); err == nil && !st.IsDir() {
		dir = filepath.Dir(run)
	}
	if !reports.HasAttemptLog(dir) {
		return errext.WithExitCodeIfNone(fmt.Errorf("export vegeta results: %s has no attempt log (%s or %s): is it a run folder? (a run with --attempts none has none)",
			dir, reports.AttemptLogGzFile, reports.AttemptLogFile), errext.Usage)
	}
	ex, err := analysis.ExportVegeta(dir, w, enc)
	for _, n := range ex.Notes {
		a.logf("%s", n)
	}
	if err != nil {
		// As a report that does not load: the run folder's fault, most often.
		return errext.WithExitCodeIfNone(err, errext.Usage)
	}
	return nil
}

// loadReport loads the report of path, a report.json or a run folder. A
// folder that has an attempt log but no report.json gets a partial report
// rebuilt from the log, and stderr says so.
func (a *app) loadReport(path string) (*reports.Report, error) {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return reports.Load(path)
	}
	if _, err := os.Stat(filepath.Join(path, reports.ReportJSON)); !errors.Is(err, fs.ErrNotExist) {
		return reports.Load(path)
	}
	f, err := reports.OpenAttemptLog(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load report: %s has neither %s nor an attempt log (%s or %s): is it a run folder?",
			path, reports.ReportJSON, reports.AttemptLogGzFile, reports.AttemptLogFile)
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
		path, reports.ReportJSON, filepath.Base(f.Name()))
	if rep.AttemptsLog.Sampled() {
		a.logf("%s", reports.SampleNote(rep.AttemptsLog))
	}
	return rep, nil
}
