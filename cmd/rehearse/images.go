package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

// imagesCmd is `rehearse images`: the reference image built ahead of time,
// so a CI step can cache it.
func (a *app) imagesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "images",
		Short: "Build the reference image rehearse/uploadsvc:<content hash>",
		Long: `images builds the reference services' image, or finds it already built for the
same content, and prints its tag on stdout. run does this by itself when it
needs the image; images lets CI build it in a step of its own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			img, err := harness.BuildReferenceImage(cmd.Context(), a.logf)
			if err != nil {
				return errext.WithExitCodeIfNone(fmt.Errorf("build reference image: %w", err), errext.Environment)
			}
			fmt.Fprintln(a.stdout, img)
			return nil
		},
	}
}
