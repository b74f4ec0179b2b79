package scenarios

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// ProfileSteps is the arrival profile of load in stages (Arrival.Steps).
const ProfileSteps = vocab.ProfileSteps

// StepSpan is one arrival step on the storm's clock: its callers' first
// attempts are due in [From, To).
type StepSpan struct {
	From, To time.Duration
	Callers  int
	// Label says the step as it was written: "200/s for 30s", "500
	// callers in 5s", "pause 10s".
	Label string
}

// IsRate reports whether the step is a constant rate for a duration
// (rather than a burst of callers over a window).
func (st ArrivalStep) IsRate() bool { return st.For > 0 }

// callers is how many callers the step brings: rate × for, rounded, or
// its burst's callers — uploads, with callers.uploads (uploads.go).
func (st ArrivalStep) callers() int {
	if st.IsRate() {
		return int(math.Round(st.Rate * st.For.D().Seconds()))
	}
	return st.Callers + st.Uploads
}

// span is how long the step lasts.
func (st ArrivalStep) span() time.Duration {
	if st.IsRate() {
		return st.For.D()
	}
	return st.Window.D()
}

// label says the step as written.
func (st ArrivalStep) label() string {
	switch {
	case st.IsRate() && st.Rate == 0:
		return "pause " + DurationText(st.For.D())
	case st.IsRate():
		return fmt.Sprintf("%s/s for %s", trimNumber(st.Rate), DurationText(st.For.D()))
	}
	if st.Uploads > 0 {
		return fmt.Sprintf("%d uploads in %s", st.Uploads, DurationText(st.Window.D()))
	}
	return fmt.Sprintf("%d callers in %s", st.Callers, DurationText(st.Window.D()))
}

// Spans are the arrival's steps on the storm's clock, one after another
// from 0; nil for any other profile.
func (a Arrival) Spans() []StepSpan {
	if a.Profile != ProfileSteps {
		return nil
	}
	out := make([]StepSpan, len(a.Steps))
	var at time.Duration
	for i, st := range a.Steps {
		out[i] = StepSpan{From: at, To: at + st.span(), Callers: st.callers(), Label: st.label()}
		at += st.span()
	}
	return out
}

// StepCallers is the callers the steps bring, their sum.
func (a Arrival) StepCallers() int {
	n := 0
	for _, st := range a.Steps {
		n += st.callers()
	}
	return n
}

// stepOffsets are the first attempts of the steps' n callers: within a
// rate step caller j at j/rate from the step's start, within a burst
// evenly over its window (j·window/callers). n must be the steps' sum.
func (a Arrival) stepOffsets(n int) ([]time.Duration, error) {
	if sum := a.StepCallers(); sum != n {
		return nil, fmt.Errorf("arrival steps bring %d callers, callers.count is %d", sum, n)
	}
	out := make([]time.Duration, 0, n)
	for _, sp := range a.Spans() {
		w := float64(sp.To - sp.From)
		for j := range sp.Callers {
			out = append(out, sp.From+time.Duration(w*float64(j)/float64(sp.Callers)))
		}
	}
	return out, nil
}

// validateSteps checks profile steps: at least one step, each either
// {rate, for} or {callers, window}, and no arrival-wide window or rate.
func (a Arrival) validateSteps(l *locator) {
	if len(a.Steps) == 0 {
		l.add("arrival.steps", "profile steps needs at least one step: [{rate: 200, for: 30s}, {callers: 500, window: 5s}]")
	}
	if a.Window != 0 || a.Rate != 0 {
		l.add("arrival", "profile steps takes no arrival.window or arrival.rate: each step has its own")
	}
	for i, st := range a.Steps {
		p := fmt.Sprintf("arrival.steps[%d]", i)
		switch {
		case st.For > 0 && (st.Callers != 0 || st.Uploads != 0 || st.Window != 0):
			l.add(p, "a step is {rate, for} or {callers, window}, not both")
		case st.Callers != 0 && st.Uploads != 0:
			l.add(p, "a step is {callers, window} or {uploads, window} (with callers.uploads), not both")
		case st.For > 0 && st.Rate < 0:
			l.add(p+".rate", "must be >= 0 callers per second (0 is a pause), got %g", st.Rate)
		case st.For < 0:
			l.add(p+".for", "must be > 0")
		case st.For == 0 && st.Rate != 0:
			l.add(p, "a rate step needs for: {rate: %s, for: 30s}", trimNumber(st.Rate))
		case st.For == 0 && (st.Callers+st.Uploads < 1 || st.Window <= 0):
			l.add(p, "a step is {rate: N, for: D} or {callers: N, window: D} with callers >= 1 and window > 0")
		}
	}
}

// stepCount sets callers.count to the steps' sum when it was not given
// (nor read from callers.from), and otherwise checks that it is that sum.
func (s *Scenario) stepCount(l *locator, countGiven bool) {
	if s.Arrival.Profile != ProfileSteps || len(s.Arrival.Steps) == 0 || len(s.Callers.Uploads) > 0 {
		return
	}
	sum := s.Arrival.StepCallers()
	switch {
	case !countGiven && s.Callers.From == nil:
		s.Callers.Count = sum
	case s.Callers.Count != sum:
		l.add("callers.count", "is %d, but the arrival steps bring %d callers: leave count out to take the steps' sum", s.Callers.Count, sum)
	}
}

// scaledSteps are steps for a run at scale f: a rate step keeps its
// rate and is f as long, a burst has f of its callers (at least 1) in f
// of its window.
func scaledSteps(steps []ArrivalStep, f float64) []ArrivalStep {
	out := make([]ArrivalStep, len(steps))
	for i, st := range steps {
		if st.IsRate() {
			st.For = Duration(float64(st.For) * f)
		} else {
			st.Callers = scaledCount(st.Callers, f)
			st.Uploads = scaledCount(st.Uploads, f)
			st.Window = Duration(float64(st.Window) * f)
		}
		out[i] = st
	}
	return out
}

// scaledCount is n at scale f, at least 1 unless n was 0.
func scaledCount(n int, f float64) int {
	if n == 0 {
		return 0
	}
	return max(1, int(math.Round(float64(n)*f)))
}

// DurationText writes d as a scenario would: 30s, 1m, 1m30s, 500ms.
func DurationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// trimNumber writes f without needless decimals: 200, 2.5.
func trimNumber(f float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", f), ".0") }
