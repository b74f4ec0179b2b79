package main

import (
	"errors"

	"github.com/spf13/cobra"
)

const attackLong = `attack replays SCENARIO's caller storm against --target, a service you started
yourself. No containers are started and no crashes are watched. The target must
be an http(s) base URL on loopback unless --allow-remote is given: one typo
must not point thousands of callers at production. It is checked before
anything is sent: a malformed URL or a remote target exits 2, an address
where nothing answers exits 3.`

// attackCmd is `rehearse attack`: the storm alone, for a service the user
// runs themselves (their own deploy, a staging box on loopback).
func (a *app) attackCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:     "attack --target URL [flags] SCENARIO",
		Short:   "Replay the storm against a service that is already running (no containers)",
		Long:    attackLong,
		Example: `  rehearse attack --target http://127.0.0.1:8080 storm-async`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.target == "" {
				return usage(cmd, errors.New("--target URL is required (e.g. --target http://127.0.0.1:8080)"))
			}
			return a.runScenarios(cmd, &f, args)
		},
	}
	f.register(c, false)
	c.Flags().StringVar(&f.target, "target", "", "base URL of the running service (required)")
	c.Flags().BoolVar(&f.allowRemote, "allow-remote", false, "allow a target outside loopback (127.0.0.0/8, ::1)")
	return c
}
