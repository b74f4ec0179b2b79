package scenarios

import (
	"fmt"
	"slices"
)

// watchedVariables are the gate variables that only a watch on the SUT's
// containers measures: without one they are null, never 0.
var watchedVariables = []string{"crashes", "oom_kills", "restarts", "downtime_s"}

// Warnings returns advice, one sentence each, about a scenario that is
// valid but will not do what it seems to: today, a gate on crashes,
// oom_kills, restarts or downtime_s when the SUT is sut.url, where nothing
// watches the service's containers, so the variable is not measured and
// the gate fails. It returns nil when there is nothing to say; it prints
// nothing, the CLI decides where the warnings go.
func (s *Scenario) Warnings() []string {
	if s.SUT.URL == "" {
		return nil
	}
	var out []string
	for _, g := range s.Gates {
		if g.op == "" && g.parse() != nil {
			continue // an invalid gate is Parse's error, not a warning
		}
		if slices.Contains(watchedVariables, g.variable) {
			out = append(out, fmt.Sprintf("gate %q: %s is not measured for sut.url (nothing watches the service's containers); it will fail", g.Expr, g.variable))
		}
	}
	return out
}
