package harness

import (
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// sink forwards the deployment's events and samples to the aggregator once
// the storm's clock has started; events from start-up are kept and stamped 0.
// The deployment's clock starts before the storm's; shift converts.
type sink struct {
	mu      sync.Mutex
	agg     *reports.Aggregator
	shift   time.Duration
	pending []reports.Event
}

func (s *sink) attach(a *reports.Aggregator, shift time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.agg, s.shift = a, shift
	for _, e := range s.pending {
		e.AtS = 0
		a.AddEvent(e)
	}
	s.pending = nil
}

func (s *sink) event(e reports.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.agg == nil {
		s.pending = append(s.pending, e)
		return
	}
	e.AtS -= s.shift.Seconds()
	s.agg.AddEvent(e)
}

func (s *sink) sample(x reports.Sample) {
	s.mu.Lock()
	a, shift := s.agg, s.shift
	s.mu.Unlock()
	if a != nil {
		x.At -= shift
		a.AddSample(x)
	}
}
