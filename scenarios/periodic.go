package scenarios

import (
	"math/rand/v2"
	"time"
)

// StormAt is the scenario key storm: at At into the run, every periodic
// caller uploads once more, on top of its schedule — the seed's
// invalidation, when every system re-sent its data at once — spread over
// time as the scenario's arrival says (a burst over its window, ...).
type StormAt struct {
	At Duration `yaml:"at" json:"at"`
}

// Periodic is the upload schedule of periodic callers (callers.every):
// caller i's k-th upload is due at phase(i) + k × every, moved by up to
// ±jitter, for as long as that is before run.duration. Phases and jitters
// are drawn from the seed by caller and upload, not held: the schedule
// costs nothing per caller, and the same seed gives the same schedule.
type Periodic struct {
	Every, Jitter, Duration time.Duration
	seed                    uint64
}

// Periodic is s's schedule of periodic callers, nil when its callers
// upload once (no callers.every).
func (s *Scenario) Periodic() *Periodic {
	if s.Callers.Every <= 0 {
		return nil
	}
	return &Periodic{Every: s.Callers.Every.D(), Jitter: s.Callers.Jitter.D(), Duration: s.Run.Duration.D(), seed: uint64(s.Seed)}
}

// At is when caller's k-th upload (from 0) is due, and false when that
// is at or after the schedule's duration (never for the first).
func (p *Periodic) At(caller, k int) (time.Duration, bool) {
	r := rand.New(rand.NewPCG(p.seed^0x9e41, uint64(caller)))
	phase := time.Duration(r.Int64N(int64(p.Every)))
	at := phase + time.Duration(k)*p.Every
	if p.Jitter > 0 {
		j := rand.New(rand.NewPCG(p.seed^0x71e, uint64(caller)<<20|uint64(k)))
		at += time.Duration(j.Int64N(2*int64(p.Jitter)+1)) - p.Jitter
	}
	at = max(at, 0)
	if k == 0 {
		// The first upload is always due: its phase is within every,
		// which run.duration is at least; a jitter past the end is cut.
		return min(at, p.Duration-1), true
	}
	return at, at < p.Duration
}

// validatePeriodic checks callers.every, callers.jitter, run.duration and
// storm, which go together.
func (s *Scenario) validatePeriodic(l *locator) {
	c, r := s.Callers, s.Run
	switch {
	case c.Every < 0:
		l.add("callers.every", "must be > 0, e.g. 5m")
	case c.Every > 0 && r.Duration <= 0:
		l.add("callers.every", "periodic callers need run.duration: how long they keep uploading")
	case c.Every == 0 && r.Duration > 0:
		l.add("run.duration", "is how long periodic callers keep uploading: set callers.every (e.g. 5m)")
	case c.Every > 0 && r.MaxDuration < r.Duration:
		l.add("run.max_duration", "ends the run (%s) before run.duration (%s): leave it out, or make it longer", r.MaxDuration.D(), r.Duration.D())
	}
	if c.Jitter < 0 || c.Every > 0 && c.Jitter*2 > c.Every {
		l.add("callers.jitter", "must be 0 to half of callers.every, got %s", c.Jitter.D())
	}
	if c.Jitter > 0 && c.Every == 0 {
		l.add("callers.jitter", "moves periodic uploads: set callers.every")
	}
	if st := s.Storm; st != nil {
		switch {
		case c.Every == 0:
			l.add("storm", "a storm on top of periodic callers needs callers.every (without it, the arrival is the storm)")
		case st.At < 0 || st.At >= r.Duration:
			l.add("storm.at", "must be within run.duration (%s), got %s", r.Duration.D(), st.At.D())
		}
	}
	if c.Every > 0 && s.Traffic != nil {
		l.add("callers.every", "a replay's callers upload when the trace says: callers.every and traffic cannot go together")
	}
}
