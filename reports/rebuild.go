package reports

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// RebuiltNote is the first note of a report made by Rebuild.
const RebuiltNote = "rebuilt from attempts.csv of a run that did not finish: requests, latencies and the timeline " +
	"are from its attempts; callers' outcomes, completion, crashes, resources and async counts were not recorded " +
	"and are not measured; no gate was evaluated"

// Rebuild makes a partial report from an attempt log alone (attempts.csv of
// a run that was killed before it wrote report.json): requests, latencies,
// generator errors, retries and the timeline come from the attempts; the
// callers seen in the log are counted, but their outcomes are not known
// (Callers.OutcomesUnknown), and completion, crashes, resources and async
// counts were not measured (nil, or AsyncUntracked for the 202 answers).
// The report is Interrupted, its verdict fail (invalid when the generator
// made errors of its own), and its notes start with RebuiltNote. start is
// when the storm started (the zero time when not known); the scenario and
// SUT are left for the caller to fill.
//
// A last line without its newline (the process died while writing it) is
// dropped with a note; any other malformed line is an error.
func Rebuild(r io.Reader, start time.Time) (*Report, error) {
	br := bufio.NewReader(r)
	head, err := br.ReadString('\n')
	if err != nil && (head == "" || !errors.Is(err, io.EOF)) {
		return nil, fmt.Errorf("rebuild report: read attempt log: %w", err)
	}
	if !isAttemptHeader(strings.Split(strings.TrimSpace(head), ",")) {
		return nil, errors.New("rebuild report: not an attempt log (bad header)")
	}
	agg := NewAggregator(start)
	var seen callerSet
	var end time.Duration
	var accepted int64
	cut := false
	for line := 2; ; line++ {
		s, err := br.ReadString('\n')
		switch {
		case strings.HasSuffix(s, "\n"):
			a, perr := parseAttempt(strings.Split(strings.TrimRight(s, "\r\n"), ","))
			if perr != nil {
				return nil, fmt.Errorf("rebuild report: attempt log line %d: %w", line, perr)
			}
			agg.AddAttempt(a)
			seen.add(a.Caller)
			end = max(end, a.Sent+a.Latency)
			if a.Status == 202 {
				accepted++
			}
		case s != "":
			cut = true
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("rebuild report: read attempt log: %w", err)
		}
	}
	rep := agg.Finish(start.Add(end))
	rep.Callers.Total, rep.Callers.OutcomesUnknown = seen.n, true
	rep.AsyncUntracked = accepted
	rep.Interrupted = true
	if rep.Verdict == VerdictPass {
		rep.Verdict = VerdictFail
	}
	rep.Notes = append([]string{RebuiltNote}, rep.Notes...)
	if accepted > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d 202 answers (uploads accepted for later) in attempts.csv: whether those uploads completed was not recorded", accepted))
	}
	if cut {
		rep.Notes = append(rep.Notes, "the last line of attempts.csv was cut off when the run died and was left out")
	}
	return rep, nil
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
