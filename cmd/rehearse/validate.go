package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// validateCmd is `rehearse validate`: every scenario error at once, without
// Docker, so a CI step can check scenarios before paying for a run.
func (a *app) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate SCENARIO...",
		Short: "Check scenarios without Docker",
		Long: `validate loads each SCENARIO strictly (an unknown key is an error) and reports
every problem at once as file:line:column. Exit 0 when all are valid, 2 otherwise.
A valid scenario that will not do what it seems to (a gate on a variable that
will not be measured) gets a warning on stderr; warnings do not change the exit
code.`,
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
					a.warn(sc)
				}
			}
			return errext.WithExitCodeIfNone(errors.Join(errs...), errext.Usage)
		},
	}
}

// warn prints sc's warnings on stderr, one "warning: " line each, naming
// the scenario.
func (a *app) warn(sc *scenarios.Scenario) {
	for _, w := range sc.Warnings() {
		fmt.Fprintf(a.stderr, "warning: %s: %s\n", sc.Name, w)
	}
}
