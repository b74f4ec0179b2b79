package views

import (
	"cmp"
	"fmt"

	"github.com/rehearse-dev/rehearse/reports"
)

// stepColor marks where each arrival step begins on the charts.
const stepColor = "#17becf"

// arrivalLines are r's arrival steps (profile steps), a line each, for
// the terminal, Markdown and JUnit views: nothing for another arrival.
func arrivalLines(r *reports.Report) []string {
	var out []string
	for _, st := range r.ArrivalSteps {
		out = append(out, fmt.Sprintf("arrival step %d (%s, %s–%s s): %d %s; %s",
			st.Step, st.Label, reports.TrimFloat(st.FromS), reports.TrimFloat(st.ToS), st.Callers, cmp.Or(st.Brings, reports.BringsCallers), figuresText(st.WindowFigures)))
	}
	return out
}

// figuresText says a window's figures: "612 attempts, 600 ok, error rate
// 2%, p99 412 ms, goodput 98% of offered".
func figuresText(f reports.WindowFigures) string {
	return fmt.Sprintf("%d attempts, %d ok, error rate %s, p99 %s, goodput %s of offered",
		f.Requests, f.OK, ratioText(f.ErrorRate), msText(f.P99Ms), ratioText(f.GoodputRatio))
}

// ratioText is a ratio as a percentage, or "not measured".
func ratioText(p *float64) string {
	if p == nil {
		return reports.NotMeasured
	}
	return reports.TrimFloat(100*(*p)) + "%"
}

// msText is a latency in ms, or "not measured".
func msText(p *float64) string {
	if p == nil {
		return reports.NotMeasured
	}
	return reports.TrimFloat(*p) + " ms"
}

// stepMarkers mark where each arrival step begins.
func stepMarkers(r *reports.Report) []marker {
	var ms []marker
	for _, st := range r.ArrivalSteps {
		ms = append(ms, marker{st.FromS, fmt.Sprintf("step %d: %s", st.Step, st.Label), stepColor})
	}
	return ms
}
