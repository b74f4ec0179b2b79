package harness

import (
	"fmt"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// EvaluateGates evaluates gates against the report's variables, stores the
// results in rep.Gates and sets rep.Verdict: "invalid" when the generator
// made errors of its own (the run says nothing about the service), "fail"
// when any gate fails or its variable was not measured, "pass" otherwise
// (also with no gates).
func EvaluateGates(rep *reports.Report, gates []scenarios.Gate) {
	vars := reports.Variables(rep)
	rep.Gates = make([]reports.GateResult, 0, len(gates))
	rep.Verdict = reports.VerdictPass
	for _, g := range gates {
		gr := reports.GateResult{Expr: g.Expr}
		if _, ok := vars[g.Variable()]; !ok {
			gr.Reason = fmt.Sprintf("%s was not measured", g.Variable())
		} else if v, pass, err := g.Eval(vars); err != nil {
			gr.Reason = err.Error()
		} else {
			gr.Value, gr.Pass = &v, pass
		}
		rep.Gates = append(rep.Gates, gr)
		if !gr.Pass {
			rep.Verdict = reports.VerdictFail
		}
	}
	if len(rep.Generator.Errors) > 0 {
		rep.Verdict = reports.VerdictInvalid
	}
}
