package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

const sweepLong = `sweep removes every container, network and volume labelled rehearse.run, e.g.
what a kill -9'd run left, and the swarm services and configs of a distributed
run when the engine is a swarm manager. --older-than spares runs that may still be going;
--run removes one run's objects only. The cached reference image
(rehearse/uploadsvc:<hash>) is kept, so the next run does not rebuild it;
--images removes it too.`

// sweepCmd is `rehearse sweep`: the way out when a run could not clean up
// after itself (kill -9, a crashed machine).
func (a *app) sweepCmd() *cobra.Command {
	var o harness.SweepOptions
	c := &cobra.Command{
		Use:   "sweep [flags]",
		Short: "Remove every Docker object rehearse left behind",
		Long:  sweepLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := harness.Sweep(cmd.Context(), o)
			if err != nil {
				return errext.WithExitCodeIfNone(fmt.Errorf("sweep: %w", err), errext.Environment)
			}
			fmt.Fprintf(a.stderr, "swept %d containers, %d networks, %d volumes, %d images", s.Containers, s.Networks, s.Volumes, s.Images)
			if s.Services+s.Configs > 0 {
				fmt.Fprintf(a.stderr, ", %d swarm services, %d swarm configs", s.Services, s.Configs)
			}
			fmt.Fprintln(a.stderr)
			return nil
		},
	}
	c.Flags().DurationVar(&o.OlderThan, "older-than", 0, "only remove objects older than this (0 = all)")
	c.Flags().StringVar(&o.RunID, "run", "", "only remove the objects of this run id (rh-...)")
	c.Flags().BoolVar(&o.Images, "images", false, "also remove the cached reference image (rebuilt on the next run)")
	return c
}
