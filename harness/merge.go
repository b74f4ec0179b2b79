package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// MergeOptions tune Merge.
type MergeOptions struct {
	// AllowPartial merges even when shards are missing; the report says
	// which. Without it such a report's verdict is invalid.
	AllowPartial bool
	// Logf receives human progress lines; nil discards them.
	Logf func(format string, args ...any)
	// Notes are added to the merged report's notes: what the caller
	// knows of how the shards ran (an engine that restarted one).
	Notes []string
}

// loadedShard is one shard's result and its folder.
type loadedShard struct {
	dir string
	sr  shardResult
}

// Merge merges the shard results found in dirs (shard run folders, or
// folders holding them) into one run folder below out, with every view:
// the attempts of all shards go through one aggregator on one clock, so
// counts are what one machine running every caller would report and
// percentiles come from the merged histograms; each shard's own lag,
// errors and lateness stay in the report's shards. It refuses shards of
// different scenarios, seeds, shard counts or binaries, and names the
// shards that are missing.
func Merge(ctx context.Context, dirs []string, out string, opts MergeOptions) (*Result, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	shards, err := loadShards(dirs)
	if err != nil {
		return nil, err
	}
	missing, err := checkShards(shards)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(out, shards[0].sr.Scenario.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	rep, err := mergeInto(ctx, shards, dir)
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Parse(rep.Scenario.File, []byte(rep.ScenarioYAML))
	if err != nil {
		return nil, fmt.Errorf("merge: the shards' scenario: %w", err)
	}
	rep.Expect = reports.Verdict(sc.Expect)
	rep.Notes = append(rep.Notes, opts.Notes...)
	EvaluateGates(rep, sc.Gates, sc.Signature)
	if len(missing) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("partial: shards %v of %d never reported; their callers are missing from every figure", missing, shards[0].sr.Shards))
		if !opts.AllowPartial {
			rep.Verdict = reports.VerdictInvalid
		}
	}
	if err := WriteRunFolder(dir, rep); err != nil {
		return nil, err
	}
	opts.Logf("merged %d shards of %s into %s", len(shards), rep.Scenario.Name, dir)
	return &Result{Report: rep, Dir: dir}, nil
}

// loadShards finds and reads every shard.json in dirs (a shard folder, or
// any folder below which they are).
func loadShards(dirs []string) ([]loadedShard, error) {
	var out []loadedShard
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || e.Name() != ShardFile {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			var sr shardResult
			if err := json.Unmarshal(b, &sr); err != nil {
				return fmt.Errorf("%w: %s is not a shard result: %v", scenarios.ErrInvalid, p, err)
			}
			if sr.Schema != ShardSchema {
				return fmt.Errorf("%w: %s is a shard result of %q, this rehearse reads %s", scenarios.ErrInvalid, p, sr.Schema, ShardSchema)
			}
			out = append(out, loadedShard{dir: filepath.Dir(p), sr: sr})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: merge: no %s below %s (a shard writes it when run with --shard i/n)", scenarios.ErrInvalid, ShardFile, strings.Join(dirs, ", "))
	}
	slices.SortFunc(out, func(a, b loadedShard) int { return a.sr.Shard - b.sr.Shard })
	return out, nil
}

// checkShards refuses shards that are not of one run and returns the
// indexes of the missing ones.
func checkShards(shards []loadedShard) (missing []int, err error) {
	first := shards[0].sr
	seen := map[int]string{}
	var errs []error
	for _, s := range shards {
		sr := s.sr
		switch {
		case sr.Scenario.Name != first.Scenario.Name || sr.Scenario.Seed != first.Scenario.Seed:
			errs = append(errs, fmt.Errorf("%s is scenario %s seed %d, %s is %s seed %d", s.dir, sr.Scenario.Name, sr.Scenario.Seed, shards[0].dir, first.Scenario.Name, first.Scenario.Seed))
		case sr.Shards != first.Shards:
			errs = append(errs, fmt.Errorf("%s is one of %d shards, %s one of %d", s.dir, sr.Shards, shards[0].dir, first.Shards))
		case sr.Binary != first.Binary:
			errs = append(errs, fmt.Errorf("%s ran rehearse %q, %s ran %q: shards of different binaries are not merged", s.dir, sr.Binary, shards[0].dir, first.Binary))
		case seen[sr.Shard] != "":
			errs = append(errs, fmt.Errorf("shard %d twice: %s and %s", sr.Shard, seen[sr.Shard], s.dir))
		}
		seen[sr.Shard] = s.dir
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: merge: %w", scenarios.ErrInvalid, errors.Join(errs...))
	}
	for i := range first.Shards {
		if seen[i] == "" {
			missing = append(missing, i)
		}
	}
	return missing, nil
}

// mergeInto replays every shard's attempts, outcomes and events into one
// aggregator whose clock starts at the earliest shard's (each shard's
// offsets shifted by how much later it started), writes the merged
// attempts.csv into dir, and returns the report before its gates.
func mergeInto(ctx context.Context, shards []loadedShard, dir string) (*reports.Report, error) {
	base, end := shards[0].sr.Started, shards[0].sr.Ended
	var planned, untracked int64
	for _, s := range shards {
		base, end = minTime(base, s.sr.Started), maxTime(end, s.sr.Ended)
		planned += s.sr.Planned
		untracked += s.sr.Untracked
	}
	agg := reports.NewAggregator(base)
	agg.SetPlanned(planned)
	agg.SetClasses(shards[0].sr.Classes)
	alog, err := reports.CreateAttemptLog(dir, reports.AttemptLogOptions{})
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer alog.Close()
	if sc, err := scenarios.Parse(shards[0].sr.Scenario.File, []byte(shards[0].sr.ScenarioYAML)); err == nil {
		if names := storm.CallerNames(sc); names != nil {
			alog.SetCallerNames(names) // else caller_name stays empty
		}
	}
	infos := make([]reports.ShardInfo, 0, len(shards))
	for _, s := range shards {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("merge: %w", ErrInterrupted)
		}
		info, err := replayShard(s, s.sr.Started.Sub(base), agg, alog)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	if untracked > 0 {
		agg.AddUntracked(untracked)
	}
	for _, s := range shards {
		if s.sr.Polls != nil {
			agg.SetPolls(*s.sr.Polls)
		}
	}
	if err := alog.Flush(); err != nil {
		return nil, fmt.Errorf("merge: write attempts: %w", err)
	}
	rep := agg.Finish(end)
	first := shards[0].sr
	rep.Scenario, rep.ScenarioYAML, rep.SUT, rep.Shards = first.Scenario, first.ScenarioYAML, first.SUT, infos
	rep.Notes = mergedNotes(shards)
	for _, s := range shards {
		rep.Generator.CPUS += s.sr.Generator.CPUS
		rep.Generator.Saturated = rep.Generator.Saturated || s.sr.Generator.Saturated
		rep.Interrupted = rep.Interrupted || s.sr.Interrupted
	}
	return rep, nil
}

// replayShard feeds one shard into agg and alog, its offsets shifted by
// shift, and describes the shard.
func replayShard(s loadedShard, shift time.Duration, agg *reports.Aggregator, alog *reports.AttemptLog) (reports.ShardInfo, error) {
	sr := s.sr
	info := reports.ShardInfo{Shard: sr.Shard, Of: sr.Shards, Host: sr.Host, Callers: int64(len(sr.Outcomes)),
		LagP99Ms: sr.Generator.LagP99Ms, CPUS: sr.Generator.CPUS, Errors: sr.Generator.Errors, LateMs: sr.LateMs,
		Late: sr.LateMs > reports.LateThresholdMs, Saturated: sr.Generator.Saturated}
	f, err := reports.OpenAttemptLog(s.dir)
	if err != nil {
		return info, fmt.Errorf("merge: shard %d: %w", sr.Shard, err)
	}
	defer f.Close()
	err = reports.ReadAttemptLog(f, func(a reports.Attempt) error {
		a.Intended += shift
		a.Sent += shift
		info.Attempts++
		agg.AddAttempt(a)
		return alog.Write(a)
	})
	if err != nil {
		return info, fmt.Errorf("merge: shard %d: %w", sr.Shard, err)
	}
	for _, o := range sr.Outcomes {
		if o.AcceptedAt > 0 {
			o.AcceptedAt += shift
		}
		if o.CompletedAt > 0 {
			o.CompletedAt += shift
		}
		agg.AddCaller(o)
	}
	for _, e := range sr.Events {
		e.AtS += shift.Seconds()
		e.Detail = strings.TrimSpace(fmt.Sprintf("%s (shard %d)", e.Detail, sr.Shard))
		agg.AddEvent(e)
	}
	return info, nil
}

// mergedNotes are the shards' notes, each once, and what the merge did.
func mergedNotes(shards []loadedShard) []string {
	var notes []string
	late := []int{}
	for _, s := range shards {
		for _, n := range s.sr.Notes {
			if !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
		if s.sr.LateMs > reports.LateThresholdMs {
			late = append(late, s.sr.Shard)
		}
	}
	notes = append(notes, fmt.Sprintf("merged from %d of %d shards: counts are every shard's attempts on one clock, percentiles from the merged histograms", len(shards), shards[0].sr.Shards))
	if len(late) > 0 {
		notes = append(notes, fmt.Sprintf("shards %v started more than %d ms after the barrier: their callers' schedule slipped against the others'", late, reports.LateThresholdMs))
	}
	return notes
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
