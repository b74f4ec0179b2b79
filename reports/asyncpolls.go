package reports

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// PollStats are the status polls of accepted uploads: how many were sent,
// and those whose answer was not a readable status, by HTTP code ("401")
// or "conn" when nothing was answered, with the first one as an example
// (its secrets redacted by whoever polled).
type PollStats struct {
	Total   int64
	Errors  map[string]int64
	Example string
}

// PollConn is PollStats.Errors' key of the polls that got no answer.
const PollConn = "conn"

// refusedCodes are the answers that refuse to say anything: the
// credentials, not the upload.
var refusedCodes = []string{"401", "403", "407"}

// refused counts the polls the service refused to answer.
func (p PollStats) refused() int64 {
	var n int64
	for _, c := range refusedCodes {
		n += p.Errors[c]
	}
	return n
}

// SetPolls records the storm's status polls (called once, after the
// drain; a shard merge adds them up).
func (a *Aggregator) SetPolls(p PollStats) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.polls.Total += p.Total
	if len(p.Errors) > 0 && a.polls.Errors == nil {
		a.polls.Errors = map[string]int64{}
	}
	for k, n := range p.Errors {
		a.polls.Errors[k] += n
	}
	if a.polls.Example == "" {
		a.polls.Example = p.Example
	}
}

// apply copies the polls into s, and marks the outcomes not measured
// when most polls were refused.
func (p PollStats) apply(s *Async) {
	s.Polls = p.Total
	if len(p.Errors) > 0 {
		s.PollErrors = maps.Clone(p.Errors)
		s.PollErrorExample = p.Example
	}
	if r := p.refused(); p.Total > 0 && 2*r > p.Total {
		s.NotMeasured = fmt.Sprintf("%d of %d status polls were refused (%s): the service never said how the uploads ended; "+
			"give the polls their credentials (api.headers, api.status.headers)", r, p.Total, pollCodes(p.Errors))
	}
}

// pollCodes lists poll errors as "401: 343, conn: 2", by code.
func pollCodes(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// asyncNotes explain the async figures: why they are not measured, what
// the polls that could not be read answered, and that lost is the
// callers' view, in its parts.
func asyncNotes(s *Async) []string {
	var notes []string
	if s.NotMeasured != "" {
		notes = append(notes, "async outcomes not measured: "+s.NotMeasured)
	}
	if len(s.PollErrors) > 0 {
		n := fmt.Sprintf("status polls not read: %s of %d polls", pollCodes(s.PollErrors), s.Polls)
		if s.PollErrorExample != "" {
			n += "; first: " + s.PollErrorExample
		}
		notes = append(notes, n)
	}
	if s.NotMeasured == "" && s.Lost > 0 {
		notes = append(notes, fmt.Sprintf("async lost %d = %d failed (the service said so) + %d vanished (it stopped knowing an accepted upload) + "+
			"%d unfinished (not done when the drain ended): the callers' view, what the status polls said, not what the service stored",
			s.Lost, s.Failed, s.Vanished, s.Unfinished))
	}
	return notes
}

// LostText is the async lost figure as the views show it: "0", the sum
// with its parts, or NotMeasured with the reason's head.
func (s *Async) LostText() string {
	switch {
	case s.NotMeasured != "":
		return NotMeasured
	case s.Lost == 0:
		return Count(0)
	}
	var parts []string
	for _, p := range []struct {
		n    int64
		what string
	}{{s.Failed, "failed"}, {s.Vanished, "vanished"}, {s.Unfinished, "unfinished"}} {
		if p.n > 0 {
			parts = append(parts, Count(p.n)+" "+p.what)
		}
	}
	return Count(s.Lost) + " (" + strings.Join(parts, ", ") + ")"
}

// MarshalJSON writes the outcome counts as null when they were not
// measured (NotMeasured), never as 0.
func (s Async) MarshalJSON() ([]byte, error) {
	type plain Async
	if s.NotMeasured == "" {
		return json.Marshal(plain(s))
	}
	return json.Marshal(struct {
		plain
		Completed  *int64   `json:"completed"`
		Failed     *int64   `json:"failed"`
		Vanished   *int64   `json:"vanished"`
		Unfinished *int64   `json:"unfinished"`
		Lost       *int64   `json:"lost"`
		DrainS     *float64 `json:"drain_s"`
	}{plain: plain(s)})
}
