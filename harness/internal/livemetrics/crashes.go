package livemetrics

import (
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// crashTotals are the crash ledger's counts last seen.
type crashTotals struct {
	crashes, oomKills, restarts int64
	downtime                    float64
	events                      int // crash events already marked
}

// Crashes brings the crash counters up to the deployment's ledger c (its
// offsets on the deployment's clock, shift ahead of the storm's) and marks
// each new crash. A ledger that was not measured (nil counts: rehearse did
// not start the service) leaves the series absent. Safe to call from any
// goroutine, repeatedly: only what is new is added.
func (s *Scenario) Crashes(c reports.Crashes, shift time.Duration) {
	if !c.Measured() {
		return
	}
	s.crashMu.Lock()
	defer s.crashMu.Unlock()
	v, last := s.e.v, &s.lastCrash
	if n := deref(c.Count); n >= last.crashes {
		v.crashes.WithLabelValues(s.labels...).Add(float64(n - last.crashes))
		last.crashes = n
	}
	if n := deref(c.OOMKills); n >= last.oomKills {
		v.oomKills.WithLabelValues(s.labels...).Add(float64(n - last.oomKills))
		last.oomKills = n
	}
	if n := deref(c.Restarts); n >= last.restarts {
		v.restarts.WithLabelValues(s.labels...).Add(float64(n - last.restarts))
		last.restarts = n
	}
	if c.DowntimeS != nil && *c.DowntimeS >= last.downtime {
		v.downtime.WithLabelValues(s.labels...).Add(*c.DowntimeS - last.downtime)
		last.downtime = *c.DowntimeS
	}
	for _, e := range c.Events[min(last.events, len(c.Events)):] {
		at := time.Duration(e.AtS*float64(time.Second)) - shift
		s.events.add(EventCrash, e.Container, e.Kind, max(at, 0))
	}
	last.events = max(last.events, len(c.Events))
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
