package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
)

// shardingFlags are the flags of a run split over shards (docs/distributed.md):
// the common start barrier, the shard result on stdout, and local shards.
type shardingFlags struct {
	startAt string
	startIn time.Duration
	emit    bool
	shards  int // attack only: run N local shard processes and merge them
}

func (s *shardingFlags) register(c *cobra.Command, attack bool) {
	c.Flags().StringVar(&s.startAt, "start-at", "", "start the storm at this instant (RFC 3339, e.g. 2026-11-26T12:00:00Z): every shard waits for the same one; one in the past is refused")
	c.Flags().DurationVar(&s.startIn, "start-in", 0, "start the storm this long from now (the instant is computed here and given to every local shard)")
	if attack {
		c.Flags().BoolVar(&s.emit, "emit-result", false, "after the run, print the shard result (shard.json and attempts.csv, base64 tar.gz) to stdout between BEGIN/END lines, for engines whose only way back is a log")
		c.Flags().IntVar(&s.shards, "shards", 0, "run the storm as N local shard processes (each with its own files and ports), started together and merged into one report")
	}
}

// apply sets the start barrier and the shard result in opts.
func (s *shardingFlags) apply(cmd *cobra.Command, opts *harness.Options) error {
	if s.startAt != "" && s.startIn != 0 {
		return usage(cmd, errors.New("--start-at and --start-in: give one"))
	}
	switch {
	case s.startAt != "":
		t, err := time.Parse(time.RFC3339Nano, s.startAt)
		if err != nil {
			return usage(cmd, fmt.Errorf("--start-at %q: want RFC 3339, e.g. 2026-11-26T12:00:00Z", s.startAt))
		}
		if time.Until(t) < -time.Second {
			return usage(cmd, fmt.Errorf("--start-at %s is in the past (%s ago): every shard must wait for the same future instant", s.startAt, time.Since(t).Round(time.Second)))
		}
		opts.StartAt = t
	case s.startIn < 0:
		return usage(cmd, errors.New("--start-in must be > 0"))
	case s.startIn > 0:
		opts.StartAt = time.Now().Add(s.startIn)
	}
	if s.shards < 0 || s.shards > 64 {
		return usage(cmd, fmt.Errorf("--shards must be 1..64, got %d", s.shards))
	}
	opts.ShardResult = opts.ShardResult || s.emit
	opts.Version = version
	return nil
}
