// Package capacity is the search of `rehearse capacity`: it finds the
// largest level at which every gate of a scenario holds, by probes run
// through a Probe function, so the search itself (growth, bisection,
// repeats near the boundary, invalid probes, the budget, the failure
// mode) is tested against a fake service whose capacity is known, and the
// harness supplies real rehearsals. It prints nothing and starts nothing.
package capacity

import (
	"context"
	"errors"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// Probe runs one full rehearsal at level on a fresh SUT and summarises it.
// An error means the probe could not run (the environment, or ctx
// cancelled): the search stops and keeps every probe that finished.
type Probe func(ctx context.Context, level int) (reports.CapacityProbe, error)

// Config is one search. From and Precision are required (the CLI refuses
// the rest before anything starts).
type Config struct {
	Scenario  string
	By        string // reports.ByCallers | reports.ByRate
	From      int
	Max       int     // 0: no ceiling but the budget and the generator
	Precision float64 // 0.05: stop when the bracket's width is within 5% of its pass
	Repeat    int     // runs of each of the last two levels; < 1 is 1
	Budget    time.Duration
	// Now is the clock of the budget and the estimate; nil is time.Now.
	Now func() time.Time
	// OnProbe, when set, is told before each probe starts.
	OnProbe func(Progress)
}

// Progress is the search as it stands before probe N.
type Progress struct {
	N       int
	Level   int
	Unit    string
	Bracket reports.Bracket
	Repeat  int // 1-based run of this level; >1 is a repeat near the boundary
	Of      int // the runs this level gets (Config.Repeat near the boundary, else 1)
	// Left is the time the rest of the search will take, estimated from
	// the probes so far; negative when it cannot be known yet (no level
	// has failed, so the growth may go on).
	Left time.Duration
}

// Search finds the capacity. It returns the answer so far together with
// an error when a probe could not run; ctx cancelled (Ctrl-C) ends it with
// Stopped "interrupted" and no error.
func Search(ctx context.Context, cfg Config, probe Probe) (*reports.Capacity, error) {
	s := newSearcher(cfg, probe)
	err := s.run(ctx)
	if errors.Is(err, errStop) {
		err = nil
	}
	return s.answer(), err
}

// errStop ends the search without an error: the reason is in s.stopped.
var errStop = errors.New("search stopped")

// run is the search: grow ×2 until a level fails (or the max), step down
// if the first level failed, then bisect and confirm the boundary.
func (s *searcher) run(ctx context.Context) error {
	if err := s.grow(ctx); err != nil {
		return err
	}
	if err := s.descend(ctx); err != nil {
		return err
	}
	return s.bisect(ctx)
}

// grow doubles the level from From until one fails or Max has passed.
func (s *searcher) grow(ctx context.Context) error {
	for level := s.cfg.From; ; {
		if err := s.level(ctx, level, 1); err != nil {
			return err
		}
		if !s.levels[level].Passed() {
			return nil
		}
		if s.cfg.Max > 0 && level >= s.cfg.Max {
			s.stopped = reports.StopMax
			return errStop
		}
		level *= 2
		if s.cfg.Max > 0 {
			level = min(level, s.cfg.Max)
		}
	}
}

// descend halves the level while even the lowest one tried fails, so a
// From above the capacity still brackets it.
func (s *searcher) descend(ctx context.Context) error {
	for {
		b := s.bracket()
		if b.Pass != nil {
			return nil
		}
		if *b.Fail <= 1 {
			s.stopped = reports.StopNoPass
			return errStop
		}
		if err := s.level(ctx, *b.Fail/2, 1); err != nil {
			return err
		}
	}
}

// bisect halves the bracket until it is within the precision, then runs
// its two levels Repeat times each: the pass level first, since a failure
// there moves the bracket down and bisection goes on below it.
func (s *searcher) bisect(ctx context.Context) error {
	for {
		b := s.bracket()
		pass, fail := *b.Pass, *b.Fail
		if !s.within(pass, fail) {
			if err := s.level(ctx, pass+(fail-pass)/2, 1); err != nil {
				return err
			}
			continue
		}
		k := max(1, s.cfg.Repeat)
		switch {
		case s.levels[pass].Runs < k:
			if err := s.level(ctx, pass, k); err != nil {
				return err
			}
		case s.levels[fail].Runs < k:
			if err := s.level(ctx, fail, k); err != nil {
				return err
			}
		default:
			s.stopped = reports.StopPrecision
			return errStop
		}
	}
}

// within reports whether [pass, fail] is as narrow as the precision asks
// (or as narrow as whole levels allow).
func (s *searcher) within(pass, fail int) bool {
	return fail-pass <= 1 || float64(fail-pass) <= s.cfg.Precision*float64(pass)
}
