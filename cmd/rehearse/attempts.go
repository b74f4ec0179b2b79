package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/reports"
)

// attemptsFlags say what a run keeps of its attempts, and in which form
// (docs/attempts.md): a long run's log grows by every attempt.
type attemptsFlags struct {
	mode   string
	format string
}

// Values of --attempts-format.
const (
	attemptsGz    = "csv.gz"
	attemptsPlain = "csv"
)

func (a *attemptsFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&a.mode, "attempts", reports.AttemptsAll, "what the attempt log keeps: all | sample:P% (every attempt of a share of the callers, chosen by the seed, e.g. sample:1%) | none (no log; a killed run cannot be rebuilt)")
	c.Flags().StringVar(&a.format, "attempts-format", attemptsGz, "the attempt log's form: csv.gz (attempts.csv.gz, about a third of the bytes) | csv (attempts.csv; all or none only)")
}

// apply sets opts.Attempts and opts.AttemptsPlain. A shard keeps every
// attempt: merge rebuilds the run from them.
func (a *attemptsFlags) apply(cmd *cobra.Command, f *runFlags, opts *harness.Options) error {
	mode, err := reports.ParseAttemptsMode(a.mode)
	if err != nil {
		return usage(cmd, err)
	}
	switch a.format {
	case attemptsGz, attemptsPlain:
	default:
		return usage(cmd, fmt.Errorf("--attempts-format must be csv.gz or csv, got %q", a.format))
	}
	plain := a.format == attemptsPlain
	if plain && mode.Sampled() {
		return usage(cmd, fmt.Errorf("--attempts %s is written as csv.gz only: its gzip header records the sample, so that a report rebuilt from the log says so", mode))
	}
	if mode.Kind != reports.AttemptsAll && (f.shard != "" || f.sharding.emit || f.sharding.shards > 0) {
		return usage(cmd, fmt.Errorf("--attempts %s with shards: rehearse merge rebuilds the run from every attempt of every shard, so shards keep them all (--attempts all)", mode))
	}
	opts.Attempts, opts.AttemptsPlain = mode, plain
	return nil
}
