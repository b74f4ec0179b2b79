package livemetrics

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rehearse-dev/rehearse/reports"
)

// The Observer side of Scenario: the Aggregator calls these with its lock
// held, one at a time, so the fields they touch need no lock of their own.

// Attempt counts one attempt as the report will: an aborted one in
// NameAborted, a generator failure in NameGeneratorErrors (a retry still
// a retry), anything else by outcome with its latency and the lag.
func (s *Scenario) Attempt(at reports.Attempt) {
	if at.Try <= 1 {
		s.callers.started++
		s.setCallers()
	}
	if at.Class == reports.ClassAborted {
		s.aborted.Inc()
		return
	}
	c := s.class(at.CallerClass)
	if at.Try > 1 {
		c.retries.Inc()
	}
	if at.Class.Generator() {
		s.genError(at.Class).Inc()
		return
	}
	s.outcome(c, at.Class).Inc()
	c.duration.Observe(at.Latency.Seconds())
	s.lag.Observe(max(at.Sent-at.Intended, 0).Seconds())
}

// genError is the counter of generator class c.
func (s *Scenario) genError(c reports.Class) prometheus.Counter {
	if g, ok := s.gen[c]; ok {
		return g
	}
	g := s.e.v.genErrors.WithLabelValues(s.with(string(c))...)
	s.gen[c] = g
	return g
}

// CallerFinished counts a caller that reached its end state, and how:
// succeeded and gave up are live, not only at the run's end.
func (s *Scenario) CallerFinished(end reports.CallerEnd) {
	s.callers.finished++
	switch end {
	case reports.EndSucceeded:
		s.callers.liveSucceeded++
	case reports.EndGaveUp:
		s.callers.liveGaveUp++
	}
	s.setCallers()
}

// Caller counts a final outcome: succeeded or gave up, and the completion
// time of a caller that succeeded. One that came as its caller ended
// (o.Ended) is already in the live count: the final counts take over
// only once the run's end brings the others'.
func (s *Scenario) Caller(o reports.CallerOutcome) {
	s.callers.reported++
	if o.Succeeded {
		s.callers.succeeded++
		s.class(o.CallerClass).completion.Observe(o.Completion.Seconds())
	}
	if o.GaveUp {
		s.callers.gaveUp++
	}
	if !o.Ended {
		s.finalSet = true
	}
	s.setCallers()
}

// setCallers writes the caller states: waiting, in flight and finished
// always; succeeded and gave up once an outcome is final. A caller whose
// outcome is final has finished, also one the run's stop cut short.
func (s *Scenario) setCallers() {
	c := s.callers
	finished := max(c.finished, c.reported)
	started := max(c.started, finished)
	g := &s.callerGauges
	g[0].Set(float64(max(c.planned-started, 0)))
	g[1].Set(float64(started - finished))
	g[2].Set(float64(finished))
	if g[3] == nil {
		g[3] = s.e.v.callers.WithLabelValues(s.with(StateSucceeded)...)
		g[4] = s.e.v.callers.WithLabelValues(s.with(StateGaveUp)...)
	}
	if s.finalSet {
		// The final outcomes are the report's: they win over the live count.
		g[3].Set(float64(c.succeeded))
		g[4].Set(float64(c.gaveUp))
	} else {
		g[3].Set(float64(c.liveSucceeded))
		g[4].Set(float64(c.liveGaveUp))
	}
}

// Async sets the uploads accepted, done and pending so far.
func (s *Scenario) Async(accepted, done int64) {
	for i, st := range []string{UploadAccepted, UploadDone, UploadPending} {
		if s.uploads[i] == nil {
			s.uploads[i] = s.e.v.uploads.WithLabelValues(s.with(st)...)
		}
	}
	s.uploads[0].Set(float64(accepted))
	s.uploads[1].Set(float64(done))
	s.uploads[2].Set(float64(max(accepted-done, 0)))
}

// Sample sets a container's memory, CPU and queue depth; a negative CPU (a
// counter reset) or an unknown queue depth leaves the last value.
func (s *Scenario) Sample(x reports.Sample) {
	v := s.e.v
	s.e.v.memory.WithLabelValues(s.with(x.Container)...).Set(float64(x.MemBytes))
	if x.CPU >= 0 {
		v.cpu.WithLabelValues(s.with(x.Container)...).Set(x.CPU)
	}
	if x.QueueDepth >= 0 {
		v.queue.WithLabelValues(s.with(x.Container)...).Set(float64(x.QueueDepth))
	}
}

// Event marks a restart, a fault or an upgrade step. Deaths are marked
// from the crash ledger instead (Crashes), which knows an expected stop
// from a crash.
func (s *Scenario) Event(e reports.Event) {
	at := time.Duration(e.AtS * float64(time.Second))
	switch e.Kind {
	case reports.EventRestart:
		s.events.add(EventRestart, e.Container, e.Detail, at)
	case reports.EventFault:
		s.events.add(EventFault, e.Container, e.Detail, at)
	case reports.EventUpgrade:
		kind := EventUpgradeFail
		switch {
		case strings.HasPrefix(e.Detail, "begin"):
			kind = EventUpgradeStart
		case strings.HasPrefix(e.Detail, "end"):
			kind = EventUpgradeEnd
		}
		s.events.add(kind, e.Container, e.Detail, at)
	}
}

// BreakerOpen counts a breaker opening in its class, with one marker per
// second in which breakers opened.
func (s *Scenario) BreakerOpen(at time.Duration, class uint8) {
	s.class(class).breaker.Inc()
	s.events.breaker(at)
}
