package reports

import (
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Window kinds of a WindowSpec.
const (
	WindowAll     = "all"            // the run so far
	WindowLast    = "last"           // the last D
	WindowAfter   = "after"          // from D to the end
	WindowSpan    = "span"           // [From, To): an arrival step
	WindowUpgrade = "during upgrade" // the cutover
)

// WindowSpec is a part of the run that figures are wanted over: windowed
// gates (error_rate[last 30s]) and arrival steps. Windows are whole seconds
// of the timeline: [From, To) and D are rounded to the second.
type WindowSpec struct {
	Name     string // as the gate names it: "last 30s"
	Kind     string
	D        time.Duration // last, after
	From, To time.Duration // span
}

// WindowFigures are what the timeline holds over a window: the attempts
// sent in its seconds (Requests reached the service), the first attempts
// among them (Offered), and the attempts answered ok in its seconds
// (Goodput). Ratios and latencies are nil when nothing they are of
// happened in the window: not measured, never 0.
type WindowFigures struct {
	FromS    float64 `json:"from_s"`
	ToS      float64 `json:"to_s"`
	Requests int64   `json:"requests"`
	OK       int64   `json:"ok"`
	Timeouts int64   `json:"timeouts"`
	Errors   int64   `json:"errors"` // not ok, timeouts included
	Offered  int64   `json:"offered"`
	Goodput  int64   `json:"goodput"`
	// ErrorRate is (Requests-OK)/Requests; GoodputRatio Goodput/Offered;
	// Amplification Requests/Offered; ThroughputRPS OK a second.
	ErrorRate     *float64 `json:"error_rate"`
	TimeoutRate   *float64 `json:"timeout_rate"`
	GoodputRatio  *float64 `json:"goodput_ratio"`
	Amplification *float64 `json:"amplification"`
	ThroughputRPS *float64 `json:"throughput_rps"`
	P50Ms         *float64 `json:"p50_ms"`
	P99Ms         *float64 `json:"p99_ms"`
	P50AllMs      *float64 `json:"p50_all_ms"`
	P99AllMs      *float64 `json:"p99_all_ms"`
}

// WindowReport is one window a gate named, with its figures.
type WindowReport struct {
	Window string `json:"window"`
	WindowFigures
}

// ArrivalStepReport is one step of an arrival in steps (profile steps):
// the step as written, the callers it brought, and the figures of its
// seconds.
type ArrivalStepReport struct {
	Step  int    `json:"step"` // 1-based
	Label string `json:"label"`
	// Callers is what the step brings: callers, or — Brings
	// BringsUploads, callers that upload several times (callers.uploads)
	// — uploads.
	Callers int64  `json:"callers"`
	Brings  string `json:"brings"`
	WindowFigures
}

// What an arrival step's Callers counts (ArrivalStepReport.Brings).
const (
	BringsCallers = "callers"
	BringsUploads = "uploads"
)

// SetArrivalSteps tells the aggregator the arrival's steps on the run's
// clock, so the report gives each its own figures.
func (a *Aggregator) SetArrivalSteps(steps []ArrivalStepReport, spans []WindowSpec) {
	a.mu.Lock()
	a.steps, a.stepSpans = steps, spans
	a.mu.Unlock()
}

// SetWindows tells the aggregator the windows the gates name (steps
// aside: every step has its figures), for the report's windows.
func (a *Aggregator) SetWindows(ws []WindowSpec) {
	a.mu.Lock()
	a.windows = ws
	a.mu.Unlock()
}

// WindowState is how much of a window a running storm's figures hold.
type WindowState int

// Window states: not begun (no second of it yet), open (some of its
// seconds), whole (every second of it: a step or the cutover that
// ended, a last D that is D long; a window to the end never is).
const (
	WindowNotBegun WindowState = iota
	WindowOpen
	WindowWhole
)

// Window returns w's figures over the seconds that ended by asOf (from
// the aggregator's start), and how much of w they are: a check of a
// running storm passes the time by which every attempt sent in those
// seconds has ended.
func (a *Aggregator) Window(w WindowSpec, asOf time.Duration) (WindowFigures, WindowState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	end := int(asOf / time.Second)
	lo, hi, ok := a.resolve(w, end)
	if !ok {
		return WindowFigures{}, WindowNotBegun
	}
	state := WindowOpen
	_, whole, _ := a.resolve(w, math.MaxInt32)
	switch {
	case w.Kind == WindowLast && end >= int(math.Round(w.D.Seconds())),
		w.Kind == WindowSpan && hi == whole,
		w.Kind == WindowUpgrade && !a.cutOpen && hi == whole:
		state = WindowWhole
	}
	return a.figures(lo, hi), state
}

// resolve turns w into the seconds [lo, hi) of the timeline, end being
// the first second not counted; ok is false when w holds none yet.
func (a *Aggregator) resolve(w WindowSpec, end int) (lo, hi int, ok bool) {
	sec := func(d time.Duration) int { return int(math.Round(d.Seconds())) }
	hi = end
	switch w.Kind {
	case WindowLast:
		lo = max(0, end-sec(w.D))
	case WindowAfter:
		lo = sec(w.D)
	case WindowSpan:
		lo, hi = sec(w.From), min(sec(w.To), end)
	case WindowUpgrade:
		if a.cutover == nil {
			return 0, 0, false
		}
		lo = int(a.cutFrom / time.Second)
		if !a.cutOpen {
			hi = min(int(math.Ceil(a.cutTo.Seconds())), end)
		}
	}
	return lo, hi, lo < hi
}

// figures adds up the seconds [lo, hi) of the timeline.
func (a *Aggregator) figures(lo, hi int) WindowFigures {
	f := WindowFigures{FromS: float64(lo), ToS: float64(hi)}
	var lat, fail []*hdr.Histogram
	for i := lo; i < hi && i < len(a.buckets); i++ {
		b := &a.buckets[i]
		f.Requests += b.sent
		f.OK += b.ok
		f.Timeouts += b.timeouts
		f.Offered += b.offered
		f.Goodput += b.goodput
		bl, bf := b.hists()
		lat, fail = append(lat, bl), append(fail, bf)
	}
	f.Errors = f.Requests - f.OK
	ok := merged(lat...)
	f.P50Ms, f.P99Ms = quantile(ok, 50), quantile(ok, 99)
	all := merged(ok, merged(fail...))
	f.P50AllMs, f.P99AllMs = quantile(all, 50), quantile(all, 99)
	if f.Requests > 0 {
		f.ErrorRate = ptrTo(round6(float64(f.Errors) / float64(f.Requests)))
		f.TimeoutRate = ptrTo(round6(float64(f.Timeouts) / float64(f.Requests)))
	}
	if f.Offered > 0 {
		f.GoodputRatio = ptrTo(round6(float64(f.Goodput) / float64(f.Offered)))
		f.Amplification = ptrTo(round6(float64(f.Requests) / float64(f.Offered)))
	}
	f.ThroughputRPS = ptrTo(round3(float64(f.OK) / float64(hi-lo)))
	return f
}

// windowReports are the arrival steps' and the gates' windows as of end.
func (a *Aggregator) windowReports(end time.Duration) ([]ArrivalStepReport, []WindowReport) {
	last := int(math.Ceil(end.Seconds()))
	var steps []ArrivalStepReport
	for i, st := range a.steps {
		lo, hi, _ := a.resolve(a.stepSpans[i], last)
		st.WindowFigures = a.figures(lo, max(lo, hi))
		steps = append(steps, st)
	}
	var ws []WindowReport
	for _, w := range a.windows {
		lo, hi, ok := a.resolve(w, last)
		if !ok {
			continue // the window never began: its gates are not measured
		}
		wr := WindowReport{Window: w.Name, WindowFigures: a.figures(lo, hi)}
		if w.Kind == WindowUpgrade && a.cutover != nil && !a.cutOpen {
			a.cutoverCounts(&wr.WindowFigures)
		}
		ws = append(ws, wr)
	}
	return steps, ws
}

// cutoverCounts puts the cutover's exact counts (attempts sent between
// its start and its end, not whole seconds) into f.
func (a *Aggregator) cutoverCounts(f *WindowFigures) {
	c := a.cutover
	f.Requests, f.OK, f.Timeouts = c.Requests, c.OK, c.Errors[ClassTimeout]
	f.Errors = c.Requests - c.OK
	f.ErrorRate, f.TimeoutRate = nil, nil
	if f.Requests > 0 {
		f.ErrorRate = ptrTo(round6(float64(f.Errors) / float64(f.Requests)))
		f.TimeoutRate = ptrTo(round6(float64(f.Timeouts) / float64(f.Requests)))
	}
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }
