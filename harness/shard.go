package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/internal/atomicfile"
	"github.com/rehearse-dev/rehearse/reports"
)

// ShardFile is a shard's result in its run folder, beside attempts.csv:
// everything a merge needs that the attempts do not hold (docs/distributed.md).
const ShardFile = "shard.json"

// ShardSchema versions ShardFile.
const ShardSchema = "rehearse.shard/v1"

// ShardResult is what one shard contributes to a merge: its attempts are
// in attempts.csv; the rest is here. Offsets in it and in attempts.csv
// count from Started, the shard's storm clock.
type ShardResult struct {
	Schema       string                  `json:"schema"`
	Binary       string                  `json:"binary"` // rehearse version that ran it: shards of different binaries are not merged
	Scenario     reports.ScenarioInfo    `json:"scenario"`
	ScenarioYAML string                  `json:"scenario_yaml"`
	Shard        int                     `json:"shard"`
	Shards       int                     `json:"shards"`
	StartAt      time.Time               `json:"start_at"` // the barrier; zero when none
	Started      time.Time               `json:"started"`  // when its storm clock began
	Ended        time.Time               `json:"ended"`
	LateMs       float64                 `json:"late_ms"`
	Host         string                  `json:"host"`
	SUT          reports.SUTInfo         `json:"sut"`
	Planned      int64                   `json:"planned"`
	CallersTotal int                     `json:"callers_total,omitempty"` // every shard's callers together; 0 in older results
	Classes      []string                `json:"classes"`
	Outcomes     []reports.CallerOutcome `json:"outcomes"`
	Events       []reports.Event         `json:"events"`
	Generator    reports.Generator       `json:"generator"`
	Untracked    int64                   `json:"untracked"`
	Polls        *reports.PollStats      `json:"polls,omitempty"`
	Interrupted  bool                    `json:"interrupted"`
	Notes        []string                `json:"notes"`
	// Flow is the shard's logins and upload steps (api.login,
	// api.upload.steps), histograms included, for an exact merge.
	Flow *reports.FlowState `json:"flow,omitempty"`
}

// outcomes collects a run's caller outcomes for its shard result.
type outcomes struct {
	mu  sync.Mutex
	all []reports.CallerOutcome
}

func (o *outcomes) add(c reports.CallerOutcome) {
	o.mu.Lock()
	o.all = append(o.all, c)
	o.mu.Unlock()
}

// writeShard writes the shard result of a finished sharded run into its
// folder, next to attempts.csv.
func (r *rehearsal) writeShard(rep *reports.Report) error {
	host, _ := os.Hostname()
	sr := ShardResult{
		Schema: ShardSchema, Binary: r.opts.Version, Scenario: rep.Scenario, ScenarioYAML: rep.ScenarioYAML,
		Shard: r.opts.Shard.Index, Shards: max(r.opts.Shard.Count, 1), StartAt: r.opts.StartAt,
		Started: r.stormStart, Ended: rep.EndedAt, LateMs: r.lateMs, Host: host, SUT: rep.SUT,
		Planned: rep.Generator.PlannedAttempts, CallersTotal: r.callersTotal, Classes: r.sc.Callers.ClassNames(),
		Outcomes: r.outcomes.all, Events: rep.Events, Generator: rep.Generator,
		Untracked: rep.AsyncUntracked, Interrupted: rep.Interrupted, Notes: rep.Notes, Flow: r.agg.FlowState(),
	}
	if a := rep.Async; a != nil {
		sr.Polls = &reports.PollStats{Total: a.Polls, Errors: a.PollErrors, Example: a.PollErrorExample}
	}
	return atomicfile.Write(filepath.Join(r.dir, ShardFile), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(sr)
	})
}

// waitForBarrier holds the storm until opts.StartAt, the instant every
// shard starts at, and returns how late this one began (ms).
func (r *rehearsal) waitForBarrier(ctx context.Context) (time.Time, float64, error) {
	at := r.opts.StartAt
	if at.IsZero() {
		return time.Now(), 0, nil
	}
	if d := time.Until(at); d > 0 {
		r.opts.Logf("%s: waiting for the start barrier at %s (%s)", r.sc.Name, at.Format(time.RFC3339Nano), d.Round(time.Millisecond))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return time.Time{}, 0, fmt.Errorf("%s: %w", r.sc.Name, ErrInterrupted)
		case <-t.C:
		}
	}
	return at, float64(time.Since(at)) / 1e6, nil
}
