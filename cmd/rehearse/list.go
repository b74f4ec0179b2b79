package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// listCmd is `rehearse list`: the built-in scenarios a user can run by name.
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
