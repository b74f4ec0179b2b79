package storm

import (
	"fmt"
	"io"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// A replay's shards on other machines need only their own callers' part
// of the trace (docs/shards.md, "Replays on Swarm and Kubernetes"):
// WriteReplayParts cuts it, replayPart replays a part with the callers
// numbered as in the whole replay, so a merge of the parts is one
// machine's replay, caller by caller.

// WriteReplayParts writes shard i's part of sc's trace (i in 0..n-1, n >=
// 2) to create(i), which it closes: the callers k of the replay with k mod
// n == i, with the uploads the replay sends (retries per traffic.retries),
// each upload with its place in the replay's order. It returns each part's
// uploads.
func WriteReplayParts(sc *scenarios.Scenario, n int, create func(shard int) (io.WriteCloser, error)) ([]int64, error) {
	if sc.Traffic == nil || sc.ReplayPath() == "" || n < 2 {
		return nil, fmt.Errorf("replay parts: %s replays no trace, or %d shards", sc.Name, n)
	}
	tr, err := traffic.Open(sc.ReplayPath())
	if err != nil {
		return nil, fmt.Errorf("traffic.replay: %w", err)
	}
	if tr.Header().Part != nil {
		return nil, fmt.Errorf("traffic.replay: %s is already shard %d/%d's part of a trace: replay the whole trace", sc.ReplayPath(), tr.Header().Part.Index, tr.Header().Part.Of)
	}
	ups, dropped := replayOrder(sc, tr)
	callers := tr.Callers()
	ordinal := make([]int32, len(callers))
	for i := range ordinal {
		ordinal[i] = -1
	}
	index := make([][]int64, len(callers)) // by caller, by upload: its place in ups
	k := int32(0)
	for g, u := range ups {
		if ordinal[u.c] < 0 {
			ordinal[u.c], k = k, k+1
			index[u.c] = make([]int64, len(callers[u.c].Uploads))
		}
		index[u.c][u.u] = int64(g)
	}
	part := traffic.Part{Of: n, Callers: int(k), Uploads: int64(len(ups)), Dropped: dropped,
		Speed: sc.Traffic.Speed, Retries: sc.Traffic.Retries, Trace: tr.Header()}
	sizes := make([]int64, n)
	for i := range n {
		part.Index = i
		if sizes[i], err = writePart(sc, callers, ordinal, index, part, create); err != nil {
			return nil, err
		}
	}
	return sizes, nil
}

// writePart writes one shard's part (WriteReplayParts).
func writePart(sc *scenarios.Scenario, callers []traffic.CallerTrace, ordinal []int32, index [][]int64, part traffic.Part, create func(int) (io.WriteCloser, error)) (int64, error) {
	var mine []traffic.CallerTrace
	var uploads int64
	for ci, c := range callers {
		if ordinal[ci] < 0 || int(ordinal[ci])%part.Of != part.Index {
			continue
		}
		own := traffic.CallerTrace{Name: c.Name, Ordinal: int(ordinal[ci])}
		for ui, u := range c.Uploads {
			if u.Retry && sc.Traffic.Retries != "keep" {
				continue
			}
			u.Index = index[ci][ui]
			own.Uploads = append(own.Uploads, u)
		}
		uploads += int64(len(own.Uploads))
		mine = append(mine, own)
	}
	h := part.Trace
	h.Callers, h.Uploads, h.Part = len(mine), uploads, &part
	w, err := create(part.Index)
	if err != nil {
		return 0, err
	}
	tw, err := traffic.NewWriter(w, h)
	if err == nil {
		for _, c := range mine {
			if err = tw.Write(c); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = tw.Close()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write shard %d/%d's part of %s: %w", part.Index, part.Of, sc.ReplayPath(), err)
	}
	return uploads, nil
}

// replayPart is replay for a trace part: every upload of the whole
// replay has its place, those of other shards' callers without a caller
// (scenarios.NewReplayPartPopulation), so --shard sends this shard's
// callers as their uploads' numbers in one machine's replay.
func replayPart(sc *scenarios.Scenario, tr *traffic.Trace) (*scenarios.Population, []time.Duration, []string, error) {
	p := tr.Header().Part
	if p.Speed != sc.Traffic.Speed || p.Retries != sc.Traffic.Retries {
		return nil, nil, nil, fmt.Errorf("%w: traffic.replay: %s is a part cut for speed %g, retries %s; the scenario replays at speed %g, retries %s: cut it again with rehearse distribute",
			scenarios.ErrInvalid, sc.Traffic.Replay, p.Speed, p.Retries, sc.Traffic.Speed, sc.Traffic.Retries)
	}
	n := p.Uploads
	entries := make([]scenarios.ReplayUpload, n)
	ordinal := make([]int32, n)
	at := make([]time.Duration, n)
	size := make([]int64, n)
	for i := range entries {
		entries[i].Records, ordinal[i] = 1, -1
	}
	for _, c := range tr.Callers() {
		for _, u := range c.Uploads {
			if u.Index < 0 || u.Index >= n || ordinal[u.Index] >= 0 {
				return nil, nil, nil, fmt.Errorf("%w: traffic.replay: %s: upload %d of %s is out of the replay's %d, or twice", scenarios.ErrInvalid, sc.Traffic.Replay, u.Index, c.Name, n)
			}
			entries[u.Index].Caller, ordinal[u.Index] = c.Name, int32(c.Ordinal)
			at[u.Index], size[u.Index] = u.At(sc.Traffic.Speed), u.Bytes
		}
	}
	probe, err := scenarios.NewReplayPartPopulation(sc, entries, ordinal, p.Callers, p.Index, p.Of)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: traffic.replay: %w", scenarios.ErrInvalid, err)
	}
	req, err := scenarios.NewRequests(sc, probe, nil)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("storm: %w", err)
	}
	offsets := make([]time.Duration, n)
	var last time.Duration
	for i := range entries {
		if ordinal[i] >= 0 {
			last = at[i]
			if size[i] > 0 {
				entries[i].Records, entries[i].Pad = req.RecordsFor(i, size[i])
			}
		}
		offsets[i] = last // another shard's upload is never sent: kept in order
	}
	pop, err := scenarios.NewReplayPartPopulation(sc, entries, ordinal, p.Callers, p.Index, p.Of)
	return pop, offsets, replayNotes(sc, p.Uploads, p.Trace, p.Dropped), err
}

// replayNotes are the notes of a replay of uploads uploads from the trace
// whose header is h, dropped logged retries left out: one machine's and
// every part's alike.
func replayNotes(sc *scenarios.Scenario, uploads int64, h traffic.Header, dropped int) []string {
	notes := []string{fmt.Sprintf("traffic.replay: %d uploads of %d callers from %s at speed %g", uploads, h.Callers, sc.Traffic.Replay, sc.Traffic.Speed)}
	if n := h.SizeNote(); n != "" {
		notes = append(notes, "traffic.replay: "+n)
	}
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("traffic.replay: %d logged uploads looked like retries of a failed one and were not replayed: the scenario's callers.retry retries instead (traffic.retries: keep replays them)", dropped))
	}
	return notes
}
