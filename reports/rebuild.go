package reports

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// RebuiltNote is the first note of a report made by Rebuild.
const RebuiltNote = "rebuilt from the attempt log (attempts.csv.gz or attempts.csv) of a run that did not finish: requests, latencies and the timeline " +
	"are from its attempts; callers' outcomes, completion, crashes, resources and async counts were not recorded " +
	"and are not measured; no gate was evaluated"

// RebuildOption tunes Rebuild.
type RebuildOption func(*rebuildConfig)

type rebuildConfig struct{ classes []string }

// RebuildClasses names the caller classes of the log (callers.classes of
// the scenario as run), as Aggregator.SetClasses does. attempts.csv holds
// class indexes only: without this option one class seen is DefaultClass,
// and several are named by index ("class0", "class1", ...) with a note.
func RebuildClasses(names []string) RebuildOption {
	return func(c *rebuildConfig) { c.classes = append([]string(nil), names...) }
}

// Rebuild makes a partial report from an attempt log alone (attempts.csv of
// a run that was killed before it wrote report.json): requests, latencies,
// generator errors, retries and the timeline come from the attempts; the
// callers seen in the log are counted, in total and per class, but their
// outcomes are not known (Callers.OutcomesUnknown), and completion,
// crashes, resources and async counts were not measured (nil, or
// AsyncUntracked for the 202 answers). The report is Interrupted, its
// verdict fail (invalid when the generator made errors of its own), and its
// notes start with RebuiltNote. start is when the storm started (the zero
// time when not known); the scenario and SUT are left for the caller to
// fill. A log written before the caller_class column is read as one class.
//
// A last line without its newline (the process died while writing it) is
// dropped with a note; any other malformed line is an error.
func Rebuild(r io.Reader, start time.Time, opts ...RebuildOption) (*Report, error) {
	var cfg rebuildConfig
	for _, o := range opts {
		o(&cfg)
	}
	st := rebuildState{agg: NewAggregator(start)}
	scan, err := ScanAttemptLog(r, func(a Attempt) error { st.add(a); return nil })
	if err != nil {
		return nil, fmt.Errorf("rebuild report: %w", err)
	}
	unnamed := st.nameClasses(cfg.classes)
	rep := st.agg.Finish(start.Add(st.end))
	st.countCallers(rep)
	rep.AsyncUntracked = st.accepted
	rep.Interrupted = true
	if rep.Verdict == VerdictPass {
		rep.Verdict = VerdictFail
	}
	rep.Notes = append([]string{RebuiltNote}, rep.Notes...)
	rep.AttemptsLog = rebuiltLogInfo(scan)
	if rep.AttemptsLog.Sampled() {
		rep.Notes = slices.Insert(rep.Notes, 1, SampleNote(rep.AttemptsLog))
	}
	if st.accepted > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d 202 answers (uploads accepted for later) in the attempt log: whether those uploads completed was not recorded", st.accepted))
	}
	if unnamed {
		rep.Notes = append(rep.Notes, "the attempt log names caller classes by index only: they are class0, class1, ... in the order of callers.classes")
	}
	if scan.Cut {
		rep.Notes = append(rep.Notes, "the end of the attempt log was cut off when the run died and was left out")
	}
	return rep, nil
}

// SampleNote says that the figures rebuilt from a sampled log are of the
// sample only.
func SampleNote(l *AttemptsLog) string {
	return "the attempt log holds " + l.SampleText() + ": every count, rate, latency and timeline figure rebuilt from it is of that sample, not of the whole run"
}

// rebuiltLogInfo is the attempts_log of a report rebuilt from a log: what
// its header records, its conventional name and the attempts read.
func rebuiltLogInfo(scan AttemptLogScan) *AttemptsLog {
	info := scan.Log
	info.File = AttemptLogFile
	if scan.Compressed {
		info.File = AttemptLogGzFile
	}
	n := scan.Attempts
	info.Attempts = &n
	return &info
}

// rebuildState is what Rebuild learns from the attempts beyond the
// aggregator: the callers seen (in all and per class), when the last
// attempt ended, and the 202 answers.
type rebuildState struct {
	agg      *Aggregator
	seen     callerSet
	byClass  []callerSet
	end      time.Duration
	accepted int64
}

func (st *rebuildState) add(a Attempt) {
	st.agg.AddAttempt(a)
	st.seen.add(a.Caller)
	for len(st.byClass) <= int(a.CallerClass) {
		st.byClass = append(st.byClass, callerSet{})
	}
	st.byClass[a.CallerClass].add(a.Caller)
	st.end = max(st.end, a.Sent+a.Latency)
	if a.Status == 202 {
		st.accepted++
	}
}

// nameClasses names the classes: names when given, DefaultClass for a
// log of one class, by index otherwise (then unnamed is true).
func (st *rebuildState) nameClasses(names []string) (unnamed bool) {
	if len(names) == 0 && len(st.byClass) > 1 {
		for i := range st.byClass {
			names = append(names, "class"+strconv.Itoa(i))
		}
		unnamed = true
	}
	st.agg.SetClasses(names)
	return unnamed
}

// countCallers sets the callers seen, in all and per class; their outcomes
// are not known.
func (st *rebuildState) countCallers(rep *Report) {
	rep.Callers.Total, rep.Callers.OutcomesUnknown = st.seen.n, true
	st.agg.mu.Lock()
	names := st.agg.classNamesLocked()
	st.agg.mu.Unlock()
	for i, set := range st.byClass {
		if c := rep.Classes[names[i]]; c != nil {
			c.Callers = set.n
		}
	}
}

// callerSet is a set of caller indexes (0-based and dense, so a bitset).
type callerSet struct {
	bits []uint64
	n    int64
}

func (s *callerSet) add(c int32) {
	if c < 0 {
		return
	}
	i := int(c) / 64
	for len(s.bits) <= i {
		s.bits = append(s.bits, 0)
	}
	if bit := uint64(1) << (uint(c) % 64); s.bits[i]&bit == 0 {
		s.bits[i] |= bit
		s.n++
	}
}
