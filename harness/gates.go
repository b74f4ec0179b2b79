package harness

import (
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// EvaluateGates evaluates gates against the report's variables, stores the
// results in rep.Gates and sets rep.Verdict: "fail" when any gate fails or
// cannot be evaluated, "pass" otherwise (also with no gates).
func EvaluateGates(rep *reports.Report, gates []scenarios.Gate) {
	vars := reports.Variables(rep)
	rep.Gates = make([]reports.GateResult, 0, len(gates))
	rep.Verdict = "pass"
	for _, g := range gates {
		v, pass, err := g.Eval(vars)
		if err != nil {
			pass = false
		}
		rep.Gates = append(rep.Gates, reports.GateResult{Expr: g.Expr, Value: v, Pass: pass})
		if !pass {
			rep.Verdict = "fail"
		}
	}
}
