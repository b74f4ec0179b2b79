package capacity

import (
	"context"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// searcher is one search in progress: every probe run, and each level's
// tally of valid runs.
type searcher struct {
	cfg     Config
	probe   Probe
	start   time.Time
	probes  []reports.CapacityProbe
	levels  map[int]*reports.CapacityLevel
	spent   time.Duration // in probes, for the estimate
	stopped string
	limited *int // the level the generator could not offer
	err     error
}

func newSearcher(cfg Config, probe Probe) *searcher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &searcher{cfg: cfg, probe: probe, start: cfg.Now(), levels: map[int]*reports.CapacityLevel{}}
}

// level runs level until it has upTo valid runs. An invalid probe (the
// generator saturated or failed) is run again once; invalid twice in a row
// means the generator is the limit and the search stops.
func (s *searcher) level(ctx context.Context, level, upTo int) error {
	l := s.levels[level]
	if l == nil {
		l = &reports.CapacityLevel{Level: level}
		s.levels[level] = l
	}
	for invalid := 0; l.Runs < upTo; {
		p, err := s.one(ctx, level, l.Runs+1, upTo)
		if err != nil {
			return err
		}
		if !p.Valid {
			l.Invalid++
			if invalid++; invalid == 2 {
				s.limited, s.stopped = &level, reports.StopGenerator
				return errStop
			}
			continue
		}
		invalid = 0
		l.Runs++
		if p.Verdict == reports.VerdictPass {
			l.Passes++
		}
		l.PassRatio = float64(l.Passes) / float64(l.Runs)
		l.Unstable = l.Passes > 0 && l.Passes < l.Runs
	}
	return nil
}

// one runs one probe, unless the budget is spent or ctx is done.
func (s *searcher) one(ctx context.Context, level, run, of int) (reports.CapacityProbe, error) {
	if ctx.Err() != nil {
		s.stopped = reports.StopInterrupted
		return reports.CapacityProbe{}, errStop
	}
	if s.overBudget() {
		s.stopped = reports.StopBudget
		return reports.CapacityProbe{}, errStop
	}
	if s.cfg.OnProbe != nil {
		s.cfg.OnProbe(Progress{N: len(s.probes) + 1, Level: level, Unit: unit(s.cfg.By), Bracket: s.bracket(),
			Repeat: run, Of: of, Left: s.left()})
	}
	began := s.cfg.Now()
	p, err := s.probe(ctx, level)
	if err != nil {
		if ctx.Err() != nil {
			s.stopped = reports.StopInterrupted
			return p, errStop
		}
		s.stopped, s.err = reports.StopError, err
		return p, err
	}
	s.spent += s.cfg.Now().Sub(began)
	p.N, p.Level = len(s.probes)+1, level
	s.probes = append(s.probes, p)
	return p, nil
}

// overBudget reports whether the next probe would end past the budget:
// the time spent so far plus one probe of the mean length so far.
func (s *searcher) overBudget() bool {
	if s.cfg.Budget <= 0 {
		return false
	}
	elapsed := s.cfg.Now().Sub(s.start)
	if len(s.probes) == 0 {
		return elapsed >= s.cfg.Budget
	}
	return elapsed+s.spent/time.Duration(len(s.probes)) > s.cfg.Budget
}

// bracket is [the highest level that passed below the lowest that
// failed, the lowest that failed].
func (s *searcher) bracket() reports.Bracket {
	var b reports.Bracket
	for lv, l := range s.levels {
		if l.Runs > 0 && !l.Passed() && (b.Fail == nil || lv < *b.Fail) {
			b.Fail = ptr(lv)
		}
	}
	for lv, l := range s.levels {
		if l.Passed() && (b.Fail == nil || lv < *b.Fail) && (b.Pass == nil || lv > *b.Pass) {
			b.Pass = ptr(lv)
		}
	}
	return b
}

// unit names a level of by.
func unit(by string) string {
	if by == reports.ByRate {
		return "callers/s"
	}
	return "callers"
}

func ptr[T any](v T) *T { return &v }
