package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// Callers who upload several times on the arrival's curve
// (callers.uploads): how many uploads each caller makes is written as
// lines of {callers, uploads} — 120 callers upload once, 50 upload five
// times — and the arrival is the curve of all their uploads, not of the
// callers' first ones. It is what `rehearse import --fit` writes for a
// log: the logged callers as callers, each with its logged number of
// uploads, spread over the log's per-second curve.
//
// Caller i's k-th of n uploads falls at the curve's quantile (k+φ)/n:
// every caller's uploads cover the whole curve, one in each n-th of its
// traffic, in order. The phases φ of a line's callers are a golden-ratio
// sequence from a seeded start — spread as evenly as callers can be — so
// the uploads of all callers together follow the curve within a few
// uploads in any stretch of it, where independent draws would miss a
// burst's second by its square root. Nothing is held per caller: the
// same seed gives the same uploads at the same instants.

// UploadCount is one line of callers.uploads: Callers callers that
// upload Uploads times each.
type UploadCount struct {
	Callers int `yaml:"callers" json:"callers"`
	Uploads int `yaml:"uploads" json:"uploads"`
}

// Schedule says when each upload of a caller that uploads more than once
// is due: caller's k-th upload (from 0) at an offset from the storm's
// start, false when it has no k-th. A caller's first upload is always
// due. It is a Periodic (callers.every) or an UploadCurve
// (callers.uploads).
type Schedule interface {
	At(caller, k int) (time.Duration, bool)
}

// Schedule is s's schedule of callers that upload more than once, nil
// when each uploads once.
func (s *Scenario) Schedule() Schedule {
	if p := s.Periodic(); p != nil {
		return p
	}
	if c := s.UploadCurve(); c != nil {
		return c
	}
	return nil
}

// UploadCurve is the schedule of callers.uploads: whose upload falls
// where on the arrival's curve.
type UploadCurve struct {
	ends    []int     // ends[j]: callers of lines 0..j, a running sum
	uploads []int     // uploads[j]: uploads per caller of line j
	phase0  []float64 // phase0[j]: the seeded start of line j's phases
	curve   curve
}

// UploadCurve is s's callers.uploads schedule, nil without the key.
func (s *Scenario) UploadCurve() *UploadCurve {
	if len(s.Callers.Uploads) == 0 {
		return nil
	}
	u := &UploadCurve{curve: curveOf(s.Arrival, s.Callers.TotalUploads())}
	end := 0
	for j, l := range s.Callers.Uploads {
		end += l.Callers
		u.ends = append(u.ends, end)
		u.uploads = append(u.uploads, l.Uploads)
		u.phase0 = append(u.phase0, rand.New(rand.NewPCG(uint64(s.Seed)^0x5c4e_d1a7, uint64(j))).Float64())
	}
	return u
}

// Uploads is how many uploads caller makes (0 past the last line).
func (u *UploadCurve) Uploads(caller int) int {
	j := sort.SearchInts(u.ends, caller+1)
	if j == len(u.ends) {
		return 0
	}
	return u.uploads[j]
}

// golden is the golden ratio's fractional part: the step of the
// sequence whose points stay most evenly spread however many there are.
const golden = 0.6180339887498949

// At is when caller's k-th upload is due: the curve's quantile (k+φ)/n.
func (u *UploadCurve) At(caller, k int) (time.Duration, bool) {
	j := sort.SearchInts(u.ends, caller+1)
	if j == len(u.ends) || k < 0 || k >= u.uploads[j] {
		return 0, false
	}
	first := 0
	if j > 0 {
		first = u.ends[j-1]
	}
	_, phi := math.Modf(u.phase0[j] + float64(caller-first)*golden)
	return u.curve.at((float64(k) + phi) / float64(u.uploads[j])), true
}

// TotalUploads is the uploads callers.uploads makes: Σ callers × uploads.
func (c Callers) TotalUploads() int64 {
	var n int64
	for _, l := range c.Uploads {
		n += int64(l.Callers) * int64(l.Uploads)
	}
	return n
}

// curve is an arrival as a distribution of instants: piecewise linear
// in its cumulative weight (steps, burst, poisson, constant), or the
// ramp's.
type curve struct {
	from, to []time.Duration // span j is [from[j], to[j])
	cum      []float64       // cum[j]: the weight of spans 0..j-1
	total    float64
	ramp     time.Duration // > 0: a ramp over this window
}

// curveOf is arrival a as the curve of n uploads: steps weigh each step
// by its uploads; burst, poisson and constant spread them evenly over
// the window (poisson's and constant's: n at rate when no window is
// given); ramp rises linearly over its window.
func curveOf(a Arrival, n int64) curve {
	var c curve
	switch a.Profile {
	case ProfileSteps:
		for _, sp := range a.Spans() {
			c.from, c.to, c.cum = append(c.from, sp.From), append(c.to, sp.To), append(c.cum, c.total)
			c.total += float64(sp.Callers)
		}
		return c
	case vocab.ProfileRamp:
		c.ramp = a.Window.D()
		return c
	}
	w := a.Window.D()
	if (a.Profile == vocab.ProfileConstant || w <= 0) && a.Rate > 0 {
		w = time.Duration(float64(n) / a.Rate * float64(time.Second))
	}
	c.from, c.to, c.cum, c.total = []time.Duration{0}, []time.Duration{w}, []float64{0}, 1
	return c
}

// at is the instant at quantile q in [0, 1).
func (c curve) at(q float64) time.Duration {
	if c.ramp > 0 {
		return time.Duration(float64(c.ramp) * math.Sqrt(q))
	}
	target := q * c.total
	// The last span whose weight starts at or before target: a pause
	// (no weight) starts where the next span does and is passed over.
	j := max(sort.Search(len(c.cum), func(j int) bool { return c.cum[j] > target })-1, 0)
	w := c.total - c.cum[j]
	if j+1 < len(c.cum) {
		w = c.cum[j+1] - c.cum[j]
	}
	frac := 0.0
	if w > 0 {
		frac = (target - c.cum[j]) / w
	}
	return c.from[j] + time.Duration(frac*float64(c.to[j]-c.from[j]))
}

// uploadsCount sets callers.count to the lines' callers when it was not
// given, and otherwise checks it against them.
func (s *Scenario) uploadsCount(l *locator, countGiven bool) {
	if len(s.Callers.Uploads) == 0 {
		return
	}
	sum := 0
	for _, u := range s.Callers.Uploads {
		sum += max(u.Callers, 0)
	}
	switch {
	case !countGiven && s.Callers.From == nil:
		s.Callers.Count = sum
	case s.Callers.Count != sum:
		l.add("callers.count", "is %d, but callers.uploads names %d callers: leave count out to take their sum", s.Callers.Count, sum)
	}
}

// validateUploads checks callers.uploads and what it cannot go with.
func (s *Scenario) validateUploads(l *locator) {
	c := s.Callers
	if len(c.Uploads) == 0 {
		for i, st := range s.Arrival.Steps {
			if st.Uploads != 0 {
				l.add(fmt.Sprintf("arrival.steps[%d].uploads", i), "a step of uploads is for callers that upload several times: set callers.uploads, or write {callers: N, window: D}")
			}
		}
		return
	}
	for i, u := range c.Uploads {
		if u.Callers < 1 || u.Uploads < 1 {
			l.add(fmt.Sprintf("callers.uploads[%d]", i), "a line is {callers: N, uploads: K} with both >= 1, got {callers: %d, uploads: %d}", u.Callers, u.Uploads)
		}
	}
	switch {
	case c.Every > 0:
		l.add("callers.uploads", "callers.every and callers.uploads are two schedules: choose one")
	case s.Traffic != nil:
		l.add("callers.uploads", "a replay's callers upload when the trace says: callers.uploads and traffic cannot go together")
	}
	for i, st := range s.Arrival.Steps {
		if st.Callers != 0 {
			l.add(fmt.Sprintf("arrival.steps[%d].callers", i), "with callers.uploads a step counts uploads: {uploads: %d, window: %s}", st.Callers, DurationText(st.Window.D()))
		}
	}
	if s.Arrival.Profile == ProfileSteps && curveOf(s.Arrival, 0).total == 0 {
		l.add("arrival.steps", "the steps bring no upload: give one step uploads or a rate > 0")
	}
}
