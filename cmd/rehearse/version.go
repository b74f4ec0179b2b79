package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildVersion is the version stamped at link time (main.version, make
// build); a binary built without it (go install …@v1.2.3) falls back to
// its module version, and a plain go build stays "dev".
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// versionText is the version and, on a line of its own, the Go toolchain
// and platform the binary was built for, which a bug report needs beside it.
func versionText() string {
	return fmt.Sprintf("rehearse %s\n%s %s/%s\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// versionCmd is `rehearse version`: what a bug report needs to name the
// build (the same text as --version).
func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the Go version and the platform",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(a.stdout, versionText())
			return err
		},
	}
}
