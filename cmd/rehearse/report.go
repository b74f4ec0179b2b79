package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

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

func (a *app) reportCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "report [--format table|json|md|html|junit] RUN",
		Short: "Re-render a saved run",
		Long:  "report re-renders a saved run (a report.json or a run folder) on stdout.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, ok := reportWriters[format]
			if !ok {
				return usage(cmd, fmt.Errorf("--format must be table, json, md, html or junit, got %q", format))
			}
			rep, err := reports.Load(args[0])
			if err != nil {
				return errext.WithExitCodeIfNone(err, errext.Usage)
			}
			return write(a.stdout, rep)
		},
	}
	c.Flags().StringVar(&format, "format", "table", "table | json | md | html | junit")
	return c
}
