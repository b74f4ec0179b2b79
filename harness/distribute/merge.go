package distribute

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

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// ErrMergeInput is matched (errors.Is) by the errors about what a merge
// was given — shard results of different runs, a folder or log without
// any — so the CLI calls them usage errors (exit 2); the message is the
// error's own.
var ErrMergeInput = errors.New("cannot merge these shards")

// mergeError is an ErrMergeInput error with its own message.
type mergeError struct{ err error }

func (e *mergeError) Error() string        { return e.err.Error() }
func (e *mergeError) Unwrap() error        { return e.err }
func (e *mergeError) Is(target error) bool { return target == ErrMergeInput }

// mergeInputf is an ErrMergeInput error; format may wrap with %w.
func mergeInputf(format string, args ...any) error {
	return &mergeError{err: fmt.Errorf(format, args...)}
}

// MergeOptions tune Merge.
type MergeOptions struct {
	// Logf receives human progress lines; nil discards them.
	Logf func(format string, args ...any)
	// Notes are added to the merged report's notes: what the caller
	// knows of how the shards ran (an engine that restarted one).
	Notes []string
	// Scenario, when set, is the shards' scenario as this machine has it
	// (with its trace): the attempt log's caller names come from it when
	// the shards' own paths are not this machine's (shardnames.go).
	Scenario *scenarios.Scenario
}

// loadedShard is one shard's result and its folder.
type loadedShard struct {
	dir string
	sr  harness.ShardResult
}

// Merge merges the shard results found in dirs (shard run folders, or
// folders holding them) into one run folder below out, with every view:
// the attempts of all shards go through one aggregator on one clock, so
// counts are what one machine running every caller would report and
// percentiles come from the merged histograms; each shard's own lag,
// errors and lateness stay in the report's shards. It refuses shards of
// different scenarios, seeds, shard counts or binaries. Shards that never
// reported are named with their share of the callers, and the verdict is
// then partial (reports/partial.go): never a pass.
func Merge(ctx context.Context, dirs []string, out string, opts MergeOptions) (*harness.Result, error) {
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
	rep, err := mergeInto(ctx, shards, dir, opts.Scenario)
	if err != nil {
		return nil, err
	}
	sc := opts.Scenario
	if sc == nil {
		if sc, err = scenarios.Parse(rep.Scenario.File, []byte(rep.ScenarioYAML)); err != nil {
			return nil, fmt.Errorf("merge: the shards' scenario: %w", err)
		}
	}
	rep.Expect = reports.Verdict(sc.Expect)
	rep.Notes = append(rep.Notes, opts.Notes...)
	harness.EvaluateGates(rep, sc.Gates, sc.Signature)
	markPartial(rep, shards, missing)
	if err := harness.WriteRunFolder(dir, rep); err != nil {
		return nil, err
	}
	opts.Logf("merged %d shards of %s into %s", len(shards), rep.Scenario.Name, dir)
	return &harness.Result{Report: rep, Dir: dir}, nil
}

// markPartial names the shards that never reported, with the callers
// they held, and makes the verdict partial unless the generator itself
// failed in a shard that did (invalid says more: its numbers say nothing).
func markPartial(rep *reports.Report, shards []loadedShard, missing []int) {
	if len(missing) == 0 {
		return
	}
	n, total := shards[0].sr.Shards, 0
	for _, s := range shards {
		total = max(total, s.sr.CallersTotal)
	}
	for _, i := range missing {
		m := reports.MissingShard{Shard: i, Of: n}
		if total > 0 {
			held := int64(max(0, (total-i+n-1)/n)) // callers k < total with k mod n == i
			share := float64(held) / float64(total)
			m.Callers, m.Share = &held, &share
		}
		rep.MissingShards = append(rep.MissingShards, m)
		what := "its callers are"
		if m.Callers != nil {
			what = fmt.Sprintf("its %d callers (%.1f%% of the run's) are", *m.Callers, 100**m.Share)
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("partial: shard %d of %d (--shard %d/%d) never reported: %s missing from every figure", i, n, i, n, what))
	}
	if rep.Verdict != reports.VerdictInvalid {
		rep.Verdict = reports.VerdictPartial
	}
}

// loadShards finds and reads every shard.json in dirs (a shard folder, or
// any folder below which they are).
func loadShards(dirs []string) ([]loadedShard, error) {
	var out []loadedShard
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || e.Name() != harness.ShardFile {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			var sr harness.ShardResult
			if err := json.Unmarshal(b, &sr); err != nil {
				return mergeInputf("%s is not a shard result: %v", p, err)
			}
			if sr.Schema != harness.ShardSchema {
				return mergeInputf("%s is a shard result of %q, this rehearse reads %s", p, sr.Schema, harness.ShardSchema)
			}
			out = append(out, loadedShard{dir: filepath.Dir(p), sr: sr})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
	}
	if len(out) == 0 {
		return nil, mergeInputf("merge: no %s below %s (a shard writes it when run with --shard i/n)", harness.ShardFile, strings.Join(dirs, ", "))
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
		return nil, mergeInputf("merge: %w", errors.Join(errs...))
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
func mergeInto(ctx context.Context, shards []loadedShard, dir string, local *scenarios.Scenario) (*reports.Report, error) {
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
	if names := shardCallerNames(shards[0].sr, local); names != nil {
		alog.SetCallerNames(names) // else caller_name stays empty
	}
	infos := make([]reports.ShardInfo, 0, len(shards))
	for _, s := range shards {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("merge: %w", harness.ErrInterrupted)
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
		agg.AddFlowState(s.sr.Flow)
	}
	if err := alog.Flush(); err != nil {
		return nil, fmt.Errorf("merge: write attempts: %w", err)
	}
	first := shards[0].sr
	if sc, err := scenarios.Parse(first.Scenario.File, []byte(first.ScenarioYAML)); err == nil {
		harness.SetWindows(agg, sc, 0) // Merge reports a scenario that does not parse
	}
	rep := agg.Finish(end)
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
