package livemetrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rehearse-dev/rehearse/reports"
)

// Labels name one scenario's series.
type Labels struct {
	Scenario string
	Run      string // the run id
	Shard    string // "i/n"; "0/1" when the callers are not sharded
	// Start is the storm's clock: event offsets are converted with it.
	Start time.Time
}

// Scenario is the live metrics of one scenario's storm: a reports.Observer
// set on its Aggregator, plus the crash ledger the harness hands it. Its
// children are resolved once (per caller class when the classes are
// named), so an attempt costs a few atomic adds and two histogram
// observations, with no label lookup.
type Scenario struct {
	e      *Exporter
	labels []string // scenario, run, shard
	start  time.Time
	fail0  pushCount // the pusher's counts when the scenario began
	events *eventLog

	// Set from the Observer methods, which the Aggregator serialises
	// under its lock.
	classes  []classChildren
	extra    map[reports.Class]int // outcome index of an unknown class, beyond the known ones
	lag      prometheus.Observer
	aborted  prometheus.Counter
	gen      map[reports.Class]prometheus.Counter
	callers  callerCounts
	finalSet bool // an outcome is final: succeeded/gave_up are measured
	// callerGauges are waiting, in flight, finished, succeeded and gave
	// up; the last two are nil until an outcome is final.
	callerGauges [5]prometheus.Gauge
	uploads      [3]prometheus.Gauge

	crashMu   sync.Mutex
	lastCrash crashTotals
}

// classChildren are one caller class's pre-resolved series.
type classChildren struct {
	name       string
	outcomes   []prometheus.Counter // by outcome index (outcomeIndex)
	duration   prometheus.Observer
	completion prometheus.Observer
	retries    prometheus.Counter
	breaker    prometheus.Counter
}

// callerCounts are the live caller states' inputs.
type callerCounts struct {
	planned, started, finished, reported, succeeded, gaveUp int64
	liveSucceeded, liveGaveUp                               int64 // as callers end, before the final outcomes
}

// knownOutcomes are the error classes with a pre-resolved child, in
// outcomeIndex's order; ClassNone is outcome "ok".
var knownOutcomes = []reports.Class{
	reports.ClassNone, reports.ClassTimeout, reports.ClassConnRefused, reports.ClassConnReset,
	reports.ClassEOF, reports.ClassHTTP4xx, reports.ClassHTTP429, reports.ClassHTTP5xx,
	reports.ClassOther, reports.ClassBadAnswer,
}

// outcomeIndex is c's index in knownOutcomes, -1 for another class.
func outcomeIndex(c reports.Class) int {
	switch c {
	case reports.ClassNone:
		return 0
	case reports.ClassTimeout:
		return 1
	case reports.ClassConnRefused:
		return 2
	case reports.ClassConnReset:
		return 3
	case reports.ClassEOF:
		return 4
	case reports.ClassHTTP4xx:
		return 5
	case reports.ClassHTTP429:
		return 6
	case reports.ClassHTTP5xx:
		return 7
	case reports.ClassOther:
		return 8
	case reports.ClassBadAnswer:
		return 9
	}
	return -1
}

// outcomeLabel is the outcome label of class c.
func outcomeLabel(c reports.Class) string {
	if c == reports.ClassNone {
		return OutcomeOK
	}
	return string(c)
}

func newScenario(e *Exporter, l Labels, fail0 pushCount) *Scenario {
	if l.Shard == "" {
		l.Shard = "0/1"
	}
	if l.Start.IsZero() {
		l.Start = time.Now()
	}
	base := []string{l.Scenario, l.Run, l.Shard}
	s := &Scenario{
		e: e, labels: base, start: l.Start, fail0: fail0,
		extra:   map[reports.Class]int{},
		lag:     e.v.lag.WithLabelValues(base...),
		aborted: e.v.aborted.WithLabelValues(base...),
		gen:     map[reports.Class]prometheus.Counter{},
	}
	for _, c := range []reports.Class{reports.GenOutOfFiles, reports.GenOutOfPorts, reports.GenLocal} {
		s.gen[c] = e.v.genErrors.WithLabelValues(s.with(string(c))...)
	}
	for i, st := range []string{StateWaiting, StateInFlight, StateFinished} {
		s.callerGauges[i] = e.v.callers.WithLabelValues(s.with(st)...)
	}
	s.events = newEventLog(e.v, base, l.Start)
	e.v.stormStart.WithLabelValues(base...).Set(float64(l.Start.UnixNano()) / 1e9)
	s.setCallers()
	return s
}

// with is the scenario's label values followed by extra.
func (s *Scenario) with(extra ...string) []string {
	return append(append(make([]string, 0, len(s.labels)+len(extra)), s.labels...), extra...)
}

var _ reports.Observer = (*Scenario)(nil)

// Planned sets the callers planned.
func (s *Scenario) Planned(n int64) {
	s.callers.planned = n
	s.e.v.planned.WithLabelValues(s.labels...).Set(float64(n))
	s.setCallers()
}

// Classes resolves each named class's series, and removes those of a
// class no longer named (the default class before the scenario's own
// were set), so that no class shows zeros it never had.
func (s *Scenario) Classes(names []string) {
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	for _, c := range s.classes {
		if !keep[c.name] {
			s.deleteClass(c)
		}
	}
	s.classes = s.classes[:0]
	for _, name := range names {
		s.classes = append(s.classes, s.resolveClass(name))
	}
}

func (s *Scenario) deleteClass(c classChildren) {
	v := s.e.v
	v.duration.DeleteLabelValues(s.with(c.name)...)
	v.completion.DeleteLabelValues(s.with(c.name)...)
	v.retries.DeleteLabelValues(s.with(c.name)...)
	v.breakerOpens.DeleteLabelValues(s.with(c.name)...)
	v.attempts.DeletePartialMatch(prometheus.Labels{LabelScenario: s.labels[0], LabelRun: s.labels[1], LabelShard: s.labels[2], LabelClass: c.name})
}

func (s *Scenario) resolveClass(name string) classChildren {
	v := s.e.v
	c := classChildren{
		name:       name,
		duration:   v.duration.WithLabelValues(s.with(name)...),
		completion: v.completion.WithLabelValues(s.with(name)...),
		retries:    v.retries.WithLabelValues(s.with(name)...),
		breaker:    v.breakerOpens.WithLabelValues(s.with(name)...),
	}
	for _, o := range knownOutcomes {
		c.outcomes = append(c.outcomes, v.attempts.WithLabelValues(s.with(name, outcomeLabel(o))...))
	}
	return c
}

// class is class i's children; an index beyond the named classes is named
// class<i>, as the report names it.
func (s *Scenario) class(i uint8) *classChildren {
	for len(s.classes) <= int(i) {
		s.classes = append(s.classes, s.resolveClass("class"+strconv.Itoa(len(s.classes))))
	}
	return &s.classes[i]
}

// outcome is the attempts counter of class c in caller class cc.
func (s *Scenario) outcome(cc *classChildren, c reports.Class) prometheus.Counter {
	i := outcomeIndex(c)
	if i < 0 {
		// A class this package does not know yet: resolved once, kept at
		// the same index in every caller class.
		j, ok := s.extra[c]
		if !ok {
			j = len(knownOutcomes) + len(s.extra)
			s.extra[c] = j
		}
		i = j
	}
	for len(cc.outcomes) <= i {
		cc.outcomes = append(cc.outcomes, nil)
	}
	if cc.outcomes[i] == nil {
		cc.outcomes[i] = s.e.v.attempts.WithLabelValues(s.with(cc.name, outcomeLabel(c))...)
	}
	return cc.outcomes[i]
}
