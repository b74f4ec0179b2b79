package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// errAborted is the cause of a storm an abort gate stopped.
var errAborted = errors.New("aborted by a gate")

// abortEvery is how often the abort gates are checked: the timeline
// counts whole seconds, so a few checks a second see each as it ends.
const abortEvery = 250 * time.Millisecond

// growing are the window variables that only grow while the run goes
// on: a gate that keeps them below a bound fails for good the moment
// they pass it.
var growing = []string{"requests", "ok", "timeouts"}

// aborter checks a storm's abort gates ({gate, abort: true}) on the live
// aggregator and stops the storm the first time one fails on its window.
type aborter struct {
	gates  []scenarios.Gate
	index  []int // each gate's place in the scenario's gates
	specs  []reports.WindowSpec
	settle time.Duration // when every attempt sent before now-settle has ended
	agg    *reports.Aggregator
	start  time.Time

	mu  sync.Mutex
	hit *abortHit
}

// abortHit is the gate that stopped the storm.
type abortHit struct {
	index int
	gate  string
	at    time.Duration
	value float64
}

// newAborter is nil when sc has no abort gate. after is when the storm's
// first attempts begin (a restorm's later than its clock).
func newAborter(sc *scenarios.Scenario, agg *reports.Aggregator, start time.Time, after time.Duration) *aborter {
	ab := &aborter{agg: agg, start: start, settle: longestTimeout(sc) + time.Second}
	for i, g := range sc.Gates {
		if !g.Abort {
			continue
		}
		spec := reports.WindowSpec{Name: "the run so far", Kind: reports.WindowAll}
		if w := g.Window(); w != nil {
			spec = windowSpec(*w, sc.Arrival.Spans(), after)
		}
		ab.gates, ab.index, ab.specs = append(ab.gates, g), append(ab.index, i), append(ab.specs, spec)
	}
	if len(ab.gates) == 0 {
		return nil
	}
	return ab
}

// watch checks the gates every abortEvery until ctx ends, and cancels the
// storm with errAborted at the first that fails.
func (ab *aborter) watch(ctx context.Context, wg *sync.WaitGroup, stop context.CancelCauseFunc, logf func(string, ...any)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(abortEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if h := ab.check(time.Since(ab.start)); h != nil {
					logf("aborted by gate %s at %.0f s (value %g): stopping the storm", h.gate, h.at.Seconds(), h.value)
					stop(errAborted)
					return
				}
			}
		}
	}()
}

// check evaluates every abort gate as of now, and keeps the first that
// failed.
func (ab *aborter) check(now time.Duration) *abortHit {
	for i, g := range ab.gates {
		if v, failed := ab.fails(g, ab.specs[i], now); failed {
			ab.mu.Lock()
			defer ab.mu.Unlock()
			ab.hit = &abortHit{index: ab.index[i], gate: g.Expr, at: now, value: v}
			return ab.hit
		}
	}
	return nil
}

// fails reports whether g can no longer pass, with the value that says
// so. A growing count kept below a bound fails the moment it passes it,
// on every attempt recorded so far. Any other gate is checked on the
// seconds of its window whose attempts have all ended (settle): a rate
// or a percentile on what its window holds so far, a count only once its
// window is whole.
func (ab *aborter) fails(g scenarios.Gate, spec reports.WindowSpec, now time.Duration) (float64, bool) {
	name := g.BaseVariable()
	if slices.Contains(growing, name) && (g.Op() == "<" || g.Op() == "<=" || g.Op() == "==") {
		f, state := ab.agg.Window(spec, now+time.Second)
		if v, ok := f.Value(name); ok && state != reports.WindowNotBegun && beyond(g, v) {
			return v, true
		}
		return 0, false
	}
	f, state := ab.agg.Window(spec, now-ab.settle)
	if state == reports.WindowNotBegun || spec.Kind == reports.WindowLast && state != reports.WindowWhole ||
		slices.Contains(growing, name) && state != reports.WindowWhole {
		return 0, false
	}
	v, ok := f.Value(name)
	if !ok {
		return 0, false // not measured yet: nothing says it failed
	}
	_, pass, err := g.Eval(map[string]float64{g.Variable(): v})
	return v, err == nil && !pass
}

// beyond reports whether growing count v has passed g's bound for good.
func beyond(g scenarios.Gate, v float64) bool {
	_, pass, err := g.Eval(map[string]float64{g.Variable(): v})
	return err == nil && !pass && (g.Op() != "==" || v > g.Value())
}

// result is the gate that stopped the storm, nil when none did.
func (ab *aborter) result() *abortHit {
	if ab == nil {
		return nil
	}
	ab.mu.Lock()
	defer ab.mu.Unlock()
	return ab.hit
}

// applyAbort marks the gate that stopped the storm as failed with the
// value it had then, whatever its window says at the end, and says so in
// the report.
func applyAbort(rep *reports.Report, h *abortHit) {
	if h == nil {
		return
	}
	v := h.value
	if h.index < len(rep.Gates) {
		rep.Gates[h.index] = reports.GateResult{Expr: h.gate, Value: &v, Reason: fmt.Sprintf("aborted the storm at %.0f s", h.at.Seconds())}
	}
	rep.AbortedBy = &reports.Abort{Gate: h.gate, AtS: float64(h.at.Milliseconds()) / 1000, Value: v}
	rep.Notes = append(rep.Notes, fmt.Sprintf("aborted by gate %s at %.0f s (value %g): the storm was stopped there; callers still waiting count as gave up", h.gate, h.at.Seconds(), v))
	if rep.Verdict != reports.VerdictInvalid {
		rep.Verdict = reports.VerdictFail
	}
}

// longestTimeout is the longest callers.timeout of sc's classes: every
// attempt has ended within it.
func longestTimeout(sc *scenarios.Scenario) time.Duration {
	d := sc.Callers.Timeout.D()
	for _, c := range sc.Callers.Classes {
		d = max(d, c.Timeout.D())
	}
	return d
}
