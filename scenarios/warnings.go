package scenarios

import (
	"fmt"
	"slices"
)

// watchedVariables are the gate variables that only a watch on the SUT's
// containers measures: without one they are null, never 0.
var watchedVariables = []string{"crashes", "oom_kills", "restarts", "downtime_s"}

// Warnings returns advice, one sentence each, about a scenario that is
// valid but will not do what it seems to: a gate on crashes, oom_kills,
// restarts or downtime_s when the SUT is sut.url without sut.watch, where
// nothing watches the service's containers, so the variable is not
// measured and the gate fails (with a watch it is measured: no warning); a caller class that gets no caller (weight 0, or fewer callers
// than classes), whose gates fail for want of a value; an api.status that
// is never read because completion is not body; sut.tls that verifies
// nothing (insecure) or meets no https target. It returns nil when there
// is nothing to say; it prints nothing, the CLI decides where the
// warnings go.
func (s *Scenario) Warnings() []string {
	var out []string
	if s.SUT.URL != "" && s.SUT.Watch == nil {
		for _, g := range s.Gates {
			if g.op == "" && g.parse() != nil {
				continue // an invalid gate is Parse's error, not a warning
			}
			if slices.Contains(watchedVariables, g.variable) {
				out = append(out, fmt.Sprintf("gate %q: %s is not measured for sut.url (nothing watches the service's containers); it will fail", g.Expr, g.variable))
			}
		}
	}
	if len(s.Callers.Classes) > 0 {
		for _, p := range s.Callers.ClassPlans() {
			if p.Count == 0 {
				out = append(out, fmt.Sprintf("caller class %s gets none of the %d callers (weight %g); its gates will fail", p.Name, s.Callers.Count, p.Weight))
			}
		}
	}
	out = append(out, s.tlsWarnings()...)
	if s.API.Status != nil && s.API.Completion != CompletionBody {
		out = append(out, fmt.Sprintf("api.status is read only with completion: body (completion is %s); it is ignored", s.API.Completion))
	}
	return out
}
