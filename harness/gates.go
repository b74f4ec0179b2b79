package harness

import (
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// EvaluateGates evaluates the scenario's gates against the report's
// variables into rep.Gates and sets rep.Verdict: "invalid" when the
// generator made errors of its own (the run says nothing about the
// service), "no gates" when the scenario has none (nothing was checked:
// never a pass), "fail" when any gate fails or its variable was not
// measured, "pass" otherwise. The signature (what the outcome must show)
// is evaluated the same way into rep.Signature; it decides whether the
// expectation was met, not the verdict.
func EvaluateGates(rep *reports.Report, gates, signature []scenarios.Gate) {
	rep.Gates = evaluate(rep, gates)
	rep.Signature = evaluate(rep, signature)
	rep.Verdict = reports.VerdictPass
	if len(rep.Gates) == 0 {
		rep.Verdict = reports.VerdictNoGates
	}
	for _, g := range rep.Gates {
		if !g.Pass {
			rep.Verdict = reports.VerdictFail
		}
	}
	if len(rep.Generator.Errors) > 0 {
		rep.Verdict = reports.VerdictInvalid
	}
}

// evaluate turns gate expressions into results. A gate whose variable was
// not measured or does not apply fails, with the reason instead of a value.
func evaluate(rep *reports.Report, gates []scenarios.Gate) []reports.GateResult {
	vars := reports.Variables(rep)
	out := make([]reports.GateResult, 0, len(gates))
	for _, g := range gates {
		gr := reports.GateResult{Expr: g.Expr}
		if _, ok := vars[g.Variable()]; !ok {
			gr.Reason = reports.MissingReason(rep, g.Variable())
		} else if v, pass, err := g.Eval(vars); err != nil {
			gr.Reason = err.Error()
		} else {
			gr.Value, gr.Pass = &v, pass
		}
		out = append(out, gr)
	}
	return out
}
