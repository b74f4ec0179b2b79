package storm

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// population is the storm's callers and the offsets of their first
// attempts: the scenario's synthetic callers on its arrival profile, or —
// traffic.replay — the logged uploads at their logged offsets divided by
// the speed, each with a body of its logged size (replay below).
func population(sc *scenarios.Scenario) (*scenarios.Population, []time.Duration, []string, error) {
	if sc.Traffic == nil {
		pop, err := scenarios.NewPopulation(sc)
		if err != nil {
			return nil, nil, nil, err
		}
		if len(sc.Callers.Uploads) > 0 {
			// Their first uploads are on the uploads' curve (initPeriodic).
			return pop, make([]time.Duration, pop.Len()), nil, nil
		}
		offsets, err := sc.Arrival.Offsets(pop.Len(), sc.Seed)
		return pop, offsets, nil, err
	}
	return replay(sc)
}

// replayed is one logged upload as the storm sends it.
type replayed struct {
	caller string
	at     time.Duration
	bytes  int64
	c, u   int32 // its caller's place in the trace's Callers, its own in the caller's Uploads
}

// replayOrder is the replay's uploads in the order they are sent (their
// index is the storm's caller index), and how many logged retries were
// left out. A trace part (replaypart.go) records this order.
func replayOrder(sc *scenarios.Scenario, tr *traffic.Trace) ([]replayed, int) {
	var ups []replayed
	var dropped int
	for ci, c := range tr.Callers() {
		for ui, u := range c.Uploads {
			if u.Retry && sc.Traffic.Retries != "keep" {
				dropped++
				continue
			}
			ups = append(ups, replayed{caller: c.Name, at: u.At(sc.Traffic.Speed), bytes: u.Bytes, c: int32(ci), u: int32(ui)})
		}
	}
	slices.SortStableFunc(ups, func(a, b replayed) int { return int(a.at - b.at) })
	return ups, dropped
}

// replay reads the trace and builds its uploads as callers, in the order
// of their offsets. Logged uploads that look like retries of a failed one
// are left out unless traffic.retries is keep: the scenario's own retry
// policy retries. Each body gets the most records that fit the logged
// size and whitespace for the rest (Requests.RecordsFor).
func replay(sc *scenarios.Scenario) (*scenarios.Population, []time.Duration, []string, error) {
	tr, err := traffic.Open(sc.ReplayPath())
	if err != nil {
		if errors.Is(err, traffic.ErrInput) {
			return nil, nil, nil, fmt.Errorf("%w: traffic.replay: %w", scenarios.ErrInvalid, err)
		}
		return nil, nil, nil, fmt.Errorf("traffic.replay: %w", err)
	}
	if tr.Header().Part != nil {
		return replayPart(sc, tr) // replaypart.go: one shard's share
	}
	ups, dropped := replayOrder(sc, tr)
	entries := make([]scenarios.ReplayUpload, len(ups))
	for i, u := range ups {
		entries[i] = scenarios.ReplayUpload{Caller: u.caller, Records: 1}
	}
	probe, err := scenarios.NewReplayPopulation(sc, entries)
	if err != nil {
		return nil, nil, nil, err
	}
	req, err := scenarios.NewRequests(sc, probe, nil)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("storm: %w", err)
	}
	offsets := make([]time.Duration, len(ups))
	for i, u := range ups {
		offsets[i] = u.at
		if u.bytes > 0 {
			entries[i].Records, entries[i].Pad = req.RecordsFor(i, u.bytes)
		}
	}
	pop, err := scenarios.NewReplayPopulation(sc, entries)
	notes := replayNotes(sc, int64(len(ups)), tr.Header(), dropped)
	return pop, offsets, notes, err
}

// CallerNames is sc's callers' names as its storm sends them ({caller}),
// by caller index, for an attempt log written outside a storm (a merge of
// shards); nil when the population cannot be built here (a trace or a
// callers.from file not at hand).
func CallerNames(sc *scenarios.Scenario) func(dst []byte, caller int32) []byte {
	pop, _, _, err := population(sc)
	if err != nil {
		return nil
	}
	return func(dst []byte, c int32) []byte { return pop.AppendName(dst, int(c)) }
}
