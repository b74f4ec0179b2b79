package views

import (
	"fmt"

	"github.com/rehearse-dev/rehearse/reports"
)

// flowLines are r's login and steps (flow.go), a line each, for the
// terminal, Markdown, HTML and JUnit views: nothing for a run whose
// callers neither log in nor upload in steps.
func flowLines(r *reports.Report) []string {
	var out []string
	if l := r.Login; l != nil {
		s := fmt.Sprintf("login: %d sent, %d failed, %d refreshes, %d requests sent again after one; latency %s",
			l.Attempts, l.Errors, l.Refreshes, l.Retried, latencyShort(l.LatencyMs))
		if r.Callers.LoginFailed > 0 {
			s += fmt.Sprintf("; %d callers never logged in", r.Callers.LoginFailed)
		}
		if e := l.Example; e != nil {
			s += fmt.Sprintf("; first failure: %s (caller %d, %.2f s)", e.Message, e.Caller, e.AtS)
		}
		out = append(out, s)
	}
	for i, st := range r.Steps {
		out = append(out, fmt.Sprintf("step %d %s: %d requests, %d failed, %s sent; latency %s",
			i+1, st.Name, st.Attempts, st.Errors, bytesText(st.BytesOut), latencyShort(st.LatencyMs)))
	}
	return out
}

// latencyShort is "p50 x ms, p99 y ms", or says it was not measured.
func latencyShort(l reports.Latency) string {
	if !l.Measured() {
		return "not measured"
	}
	return fmt.Sprintf("p50 %s ms, p99 %s ms", reports.TrimFloat(*l.P50), reports.TrimFloat(*l.P99))
}

// bytesText prints n bytes in the largest binary unit that keeps it >= 1.
func bytesText(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f, u = f/1024, u+1
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[u])
}
