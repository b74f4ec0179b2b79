package harness

import (
	"strconv"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// SetWindows tells agg the scenario's arrival steps, their first
// attempts after the storm's start (a restorm's come later), and the
// windows its gates and signature name, so the report gives their
// figures (reports/window.go).
func SetWindows(agg *reports.Aggregator, sc *scenarios.Scenario, after time.Duration) {
	if spans := sc.Arrival.Spans(); spans != nil {
		steps := make([]reports.ArrivalStepReport, len(spans))
		specs := make([]reports.WindowSpec, len(spans))
		brings := reports.BringsCallers
		if len(sc.Callers.Uploads) > 0 {
			brings = reports.BringsUploads // callers.uploads: the steps are the uploads' curve
		}
		for i, sp := range spans {
			steps[i] = reports.ArrivalStepReport{Step: i + 1, Label: sp.Label, Callers: int64(sp.Callers), Brings: brings}
			specs[i] = reports.WindowSpec{Name: "step " + strconv.Itoa(i+1), Kind: reports.WindowSpan, From: after + sp.From, To: after + sp.To}
		}
		agg.SetArrivalSteps(steps, specs)
	}
	var ws []reports.WindowSpec
	seen := map[string]bool{}
	for _, g := range append(append([]scenarios.Gate{}, sc.Gates...), sc.Signature...) {
		w := g.Window()
		if w == nil || w.Kind == scenarios.WindowStep || seen[w.String()] {
			continue // a step's figures are in arrival_steps
		}
		seen[w.String()] = true
		ws = append(ws, windowSpec(*w, sc.Arrival.Spans(), after))
	}
	agg.SetWindows(ws)
}

// windowSpec is scenario window w as the aggregator takes it.
func windowSpec(w scenarios.Window, spans []scenarios.StepSpan, after time.Duration) reports.WindowSpec {
	s := reports.WindowSpec{Name: w.String(), D: w.D}
	switch w.Kind {
	case scenarios.WindowLast:
		s.Kind = reports.WindowLast
	case scenarios.WindowAfter:
		s.Kind = reports.WindowAfter
	case scenarios.WindowUpgrade:
		s.Kind = reports.WindowUpgrade
	case scenarios.WindowStep:
		sp := spans[w.Step-1]
		s.Kind, s.From, s.To = reports.WindowSpan, after+sp.From, after+sp.To
	}
	return s
}
