package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// Window kinds a gate may be evaluated over (docs/arrivals.md).
const (
	WindowLast    = "last"           // the last D of the run: error_rate[last 30s]
	WindowAfter   = "after"          // from D into the run to its end: goodput_ratio[after 40s]
	WindowStep    = "step"           // arrival step N (profile steps): p99_ms[step 2]
	WindowUpgrade = "during upgrade" // the cutover: timeouts[during upgrade]
)

// Window is the part of the run a windowed gate is evaluated over, from
// the report's per-second timeline: whole seconds.
type Window struct {
	Kind string
	D    time.Duration // last, after
	Step int           // step: 1-based
}

// String is the window as the report keys it: "last 30s", "after 40s",
// "step 2", "during upgrade".
func (w Window) String() string {
	switch w.Kind {
	case WindowLast, WindowAfter:
		return w.Kind + " " + DurationText(w.D)
	case WindowStep:
		return "step " + strconv.Itoa(w.Step)
	}
	return w.Kind
}

// WindowGateVariables are the gate variables that have a value over a
// window (vocab): what the per-second timeline holds.
var WindowGateVariables = vocab.WindowGateVariables

// windowWords are the first words of a bracket that make it a window
// rather than a caller class: a class name has no space.
const windowWords = "last D, after D, step N, during upgrade"

// isWindow reports whether the bracket's content names a window (it has
// a space) rather than a caller class.
func isWindow(inner string) bool { return strings.ContainsAny(strings.TrimSpace(inner), " \t") }

// bracketText is what stands in a bracket: rest is the text after its
// "[", up to its "]" (or the end).
func bracketText(rest string) string {
	inner, _, _ := strings.Cut(rest, "]")
	return strings.TrimSpace(inner)
}

// parseWindow reads "last 30s", "after 40s", "step 2" or "during upgrade".
func parseWindow(inner string) (Window, error) {
	f := strings.Fields(inner)
	switch {
	case len(f) == 2 && (f[0] == WindowLast || f[0] == WindowAfter):
		d, err := time.ParseDuration(f[1])
		if err != nil || d < time.Second {
			return Window{}, fmt.Errorf("want a duration of at least 1s after %q (the timeline counts whole seconds), got %q", f[0], f[1])
		}
		return Window{Kind: f[0], D: d.Round(time.Second)}, nil
	case len(f) == 2 && f[0] == WindowStep:
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 1 {
			return Window{}, fmt.Errorf("want an arrival step number from 1 after \"step\", got %q", f[1])
		}
		return Window{Kind: WindowStep, Step: n}, nil
	case strings.Join(f, " ") == WindowUpgrade:
		return Window{Kind: WindowUpgrade}, nil
	}
	return Window{}, fmt.Errorf("unknown window %q (windows: %s)", strings.Join(f, " "), windowWords)
}

// windowed parses name[inner of gate expr into its canonical
// variable ("error_rate[last 30s]") and window.
func windowed(expr, name, inner string) (string, *Window, error) {
	inner, closed := strings.CutSuffix(inner, "]")
	if !closed {
		return "", nil, fmt.Errorf("gate %q: want %s[window] with the window in brackets, got %s[%s", expr, name, name, inner)
	}
	w, err := parseWindow(inner)
	if err != nil {
		return "", nil, fmt.Errorf("gate %q: %v", expr, err)
	}
	if !slices.Contains(WindowGateVariables, name) {
		return "", nil, fmt.Errorf("gate %q: %q has no value over a window (over a window: %s)", expr, name, strings.Join(WindowGateVariables, ", "))
	}
	return name + "[" + w.String() + "]", &w, nil
}

// checkWindow says what is wrong with a gate's window in scenario s: a
// step it does not have, an upgrade it does not make ("" when nothing).
func (s *Scenario) checkWindow(w *Window) string {
	switch {
	case w == nil:
	case w.Kind == WindowStep && s.Arrival.Profile != ProfileSteps:
		return fmt.Sprintf("[step %d] needs arrival profile steps, got %s", w.Step, s.Arrival.Profile)
	case w.Kind == WindowStep && w.Step > len(s.Arrival.Steps):
		return fmt.Sprintf("no arrival step %d: the arrival has %d steps", w.Step, len(s.Arrival.Steps))
	case w.Kind == WindowUpgrade && s.Upgrade == nil:
		return "[during upgrade] needs an upgrade block: this scenario upgrades nothing"
	}
	return ""
}
