package capacity

import (
	"fmt"
	"slices"

	"github.com/rehearse-dev/rehearse/reports"
)

// answer is the search as it ended: the bracket, the capacity, the levels
// and the sentence that says it.
func (s *searcher) answer() *reports.Capacity {
	b := s.bracket()
	c := &reports.Capacity{
		Schema: reports.CapacitySchema, Scenario: s.cfg.Scenario, By: s.cfg.By, Unit: unit(s.cfg.By),
		Capacity: b.Pass, Bracket: b, Precision: s.cfg.Precision, Stopped: s.stopped,
		GeneratorLimited: s.limited != nil, Repeat: max(1, s.cfg.Repeat),
		Probes: s.probes, Levels: []reports.CapacityLevel{}, Notes: []string{},
		StartedAt: s.start, DurationS: s.cfg.Now().Sub(s.start).Seconds(),
	}
	if c.Probes == nil {
		c.Probes = []reports.CapacityProbe{}
	}
	for _, l := range s.levels {
		if l.Runs+l.Invalid > 0 {
			c.Levels = append(c.Levels, *l)
		}
	}
	slices.SortFunc(c.Levels, func(a, b reports.CapacityLevel) int { return a.Level - b.Level })
	c.FailureMode = Classify(s.probes, b.Fail)
	c.FirstFailedGate = FirstFailedGate(s.probes, b.Fail)
	c.Answer = s.sentence(c)
	for _, l := range c.Levels {
		if l.Unstable {
			c.Notes = append(c.Notes, fmt.Sprintf("%s is unstable: it passed %d of %d runs (%.0f%%)",
				c.LevelText(l.Level), l.Passes, l.Runs, 100*l.PassRatio))
		}
	}
	if s.err != nil {
		c.Notes = append(c.Notes, "the search stopped: "+s.err.Error())
	}
	return c
}

// sentence says the answer as a person would read it.
func (s *searcher) sentence(c *reports.Capacity) string {
	b := c.Bracket
	switch {
	case s.limited != nil && b.Pass != nil:
		return fmt.Sprintf("≥ %s; the generator could not offer more — shard it (--shards)", c.LevelText(*b.Pass))
	case s.limited != nil:
		return fmt.Sprintf("not measured: the generator could not offer %s — shard it (--shards)", c.LevelText(*s.limited))
	case b.Pass == nil && b.Fail != nil:
		return fmt.Sprintf("below %s: every level tried failed", c.LevelText(*b.Fail))
	case b.Pass == nil:
		return "not measured: no probe finished (" + c.Stopped + ")"
	case b.Fail == nil:
		return fmt.Sprintf("≥ %s: no level failed up to %s", c.LevelText(*b.Pass), stopText(c.Stopped))
	}
	text := fmt.Sprintf("%s (every gate held), %s failed (%s)", c.LevelText(*b.Pass), reports.Commas(*b.Fail), c.FailureMode)
	if c.Stopped != reports.StopPrecision {
		text += fmt.Sprintf("; bracket %s not narrowed to %s: %s", reports.BracketText(b), reports.PercentText(c.Precision), stopText(c.Stopped))
	}
	return text
}

// stopText says why the search ended, for the sentence.
func stopText(stopped string) string {
	switch stopped {
	case reports.StopMax:
		return "--max"
	case reports.StopBudget:
		return "the --budget was spent"
	case reports.StopInterrupted:
		return "interrupted"
	case reports.StopError:
		return "a probe could not run"
	}
	return stopped
}
