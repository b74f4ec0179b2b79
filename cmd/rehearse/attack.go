package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/scenarios"

	"github.com/spf13/cobra"
)

const attackLong = `attack replays SCENARIO's caller storm against --target, a service you started
yourself. No containers are started. Crashes, OOM kills and restarts are watched
only with --watch, on the containers of that service you started (by label or
by name; a replacement, as compose recreating a service, is followed and not
counted as a crash; a selector matching no container exits 2). The target must
be an http(s) base URL on loopback unless --allow-remote is given: one typo
must not point thousands of callers at production. It is checked before
anything is sent: a malformed URL or a remote target exits 2, an address
where nothing answers exits 3.`

// attackCmd is `rehearse attack`: the storm alone, for a service the user
// runs themselves (their own deploy, a staging box on loopback).
func (a *app) attackCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "attack --target URL [flags] SCENARIO",
		Short: "Replay the storm against a service that is already running (no containers)",
		Long:  attackLong,
		Example: `  rehearse attack --target http://127.0.0.1:8080 storm-async
  rehearse attack --target http://127.0.0.1:9000 --watch label=com.docker.compose.project=shop my-storm.yaml
  rehearse attack --target http://127.0.0.1:9000 --watch name=api-1 --watch name=api-2 my-storm.yaml
  rehearse attack --target http://127.0.0.1:8080 --shards 4 storm-async      # 4 local processes, merged
  rehearse attack --target http://127.0.0.1:8080 --shard 0/3 --start-at 2026-11-26T12:00:00Z --emit-result s.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.target == "" {
				return usage(cmd, errors.New("--target URL is required (e.g. --target http://127.0.0.1:8080)"))
			}
			if f.sharding.shards > 1 {
				return a.localShards(cmd, &f, args)
			}
			for i := range args {
				args[i] = harness.ExpandShardArg(f.shard, args[i]) // a distributed shard's own folder
			}
			return a.runScenarios(cmd, &f, args)
		},
	}
	f.register(c, false)
	c.Flags().StringVar(&f.target, "target", "", "base URL of the running service (required)")
	c.Flags().BoolVar(&f.allowRemote, "allow-remote", false, "allow a target outside loopback (127.0.0.0/8, ::1)")
	c.Flags().StringArrayVar(&f.watch, "watch", nil, "watch the containers of the target you started: label=KEY[=VALUE] or name=NAME (repeatable for names)")
	return c
}

// parseWatch turns --watch values into a watch: one label=..., or any
// number of name=...; never both.
func parseWatch(vals []string) (*scenarios.Watch, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	w := &scenarios.Watch{}
	for _, v := range vals {
		kind, sel, ok := strings.Cut(v, "=")
		switch {
		case !ok || sel == "":
			return nil, fmt.Errorf("--watch %q: want label=KEY[=VALUE] or name=NAME", v)
		case kind == "label" && w.Label == "":
			w.Label = sel
		case kind == "name":
			w.Names = append(w.Names, sel)
		default:
			return nil, fmt.Errorf("--watch %q: want one label=KEY[=VALUE], or names (name=NAME)", v)
		}
	}
	if w.Label != "" && len(w.Names) > 0 {
		return nil, errors.New("--watch: a label or names, not both")
	}
	return w, nil
}
