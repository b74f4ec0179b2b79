package scenarios

import (
	"fmt"
	"slices"
	"strings"
)

// An abort gate ({gate: "...", abort: true}) stops the storm as soon as
// it fails on its own window, as the run goes: the harness checks it
// every second on the timeline so far. Only what the timeline holds can
// be checked while the storm runs (WindowGateVariables), over a window
// or the run so far.

// AbortGates are the gates of s that stop the storm when they fail.
func (s *Scenario) AbortGates() []Gate {
	var out []Gate
	for _, g := range s.Gates {
		if g.Abort {
			out = append(out, g)
		}
	}
	return out
}

// BaseVariable is the gate's variable without its bracket: error_rate for
// "error_rate[last 30s]"; "" when the gate does not parse.
func (g Gate) BaseVariable() string {
	name, _, _ := strings.Cut(g.Variable(), "[")
	return name
}

// Op is the gate's comparison: "<" of "error_rate[last 10s] < 0.05"; ""
// when it does not parse.
func (g Gate) Op() string {
	if g.op == "" {
		_ = g.parse()
	}
	return g.op
}

// abortProblem says why g cannot stop the storm ("" when it can, or is
// no abort gate, or does not parse: that is reported already).
func abortProblem(g Gate) string {
	if !g.Abort || g.Variable() == "" {
		return ""
	}
	switch {
	case g.Class() != "":
		return fmt.Sprintf("gate %q: a caller class's figures are known only at the end: abort needs a run-wide or windowed variable", g.Expr)
	case !slices.Contains(WindowGateVariables, g.BaseVariable()):
		return fmt.Sprintf("gate %q: %s is known only at the end of the run; abort can check %s", g.Expr, g.BaseVariable(), strings.Join(WindowGateVariables, ", "))
	}
	return ""
}

// Value is the number the gate compares with: 0.05 of
// "error_rate[last 10s] < 0.05".
func (g Gate) Value() float64 {
	if g.op == "" {
		_ = g.parse()
	}
	return g.value
}
