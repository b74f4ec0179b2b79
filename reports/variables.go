package reports

import "fmt"

// VariableNames are the gate variables Variables may fill, in the order of
// scenarios.GateVariables: a test in harness ties the two lists, so a gate
// can name exactly what a report measures.
var VariableNames = []string{
	"requests", "ok", "timeouts", "timeout_rate", "error_rate", "p50_ms", "p90_ms", "p99_ms", "max_ms",
	"throughput_rps", "callers", "succeeded", "gave_up", "retries", "completion_p99_ms", "crashes",
	"oom_kills", "restarts", "downtime_s", "accepted", "completed", "lost", "duplicates", "drain_s", "http_429",
}

// Variables returns the gate variables of r (VariableNames) that were
// measured. A variable that was not measured (crash counts of rehearse
// attack, a completion percentile not reached, async counts when 202s were
// not followed, callers' outcomes of a rebuilt report) or does not apply
// (drain_s of a synchronous SUT) is absent: a gate on it fails with
// MissingReason instead of passing on a zero.
func Variables(r *Report) map[string]float64 {
	v := map[string]float64{
		"requests": float64(r.Requests.Total), "ok": float64(r.Requests.OK), "timeouts": float64(r.Requests.Timeouts),
		"p50_ms": r.LatencyMs.P50, "p90_ms": r.LatencyMs.P90, "p99_ms": r.LatencyMs.P99, "max_ms": r.LatencyMs.Max,
		"throughput_rps": r.Throughput, "retries": float64(r.Callers.Retries),
		"http_429":     float64(r.Requests.Status["429"]),
		"timeout_rate": 0, "error_rate": 0,
	}
	if !r.Callers.OutcomesUnknown {
		v["callers"], v["succeeded"], v["gave_up"] = float64(r.Callers.Total), float64(r.Callers.Succeeded), float64(r.Callers.GaveUp)
	}
	if r.Requests.Total > 0 {
		v["timeout_rate"] = float64(r.Requests.Timeouts) / float64(r.Requests.Total)
		v["error_rate"] = float64(r.Requests.Total-r.Requests.OK) / float64(r.Requests.Total)
	}
	if c := r.Completion; c != nil && c.P99 != nil {
		v["completion_p99_ms"] = *c.P99
	}
	if c := r.Crashes; c.Measured() {
		v["crashes"], v["oom_kills"], v["restarts"] = float64(*c.Count), float64(*c.OOMKills), float64(*c.Restarts)
		if c.DowntimeS != nil {
			v["downtime_s"] = *c.DowntimeS
		}
	}
	switch a := r.Async; {
	case r.AsyncUntracked > 0:
		// 202s were seen and not followed: nothing is known of their fate.
	case a == nil:
		// No upload was accepted for later: nothing can be pending or lost.
		v["accepted"], v["completed"], v["lost"], v["duplicates"] = 0, 0, 0, 0
	default:
		v["accepted"], v["completed"], v["lost"], v["duplicates"], v["drain_s"] =
			float64(a.Accepted), float64(a.Completed), float64(a.Lost), float64(a.Duplicates), a.DrainS
	}
	return v
}

// MissingReason says, in user words, why Variables(r) has no value for
// name: "not measured (no crash watch)", "not reached (94% completed)",
// "n/a (synchronous service)". It is "" when the variable has a value, and
// NotMeasured for a name it does not know.
func MissingReason(r *Report, name string) string {
	if _, ok := Variables(r)[name]; ok {
		return ""
	}
	switch name {
	case "crashes", "oom_kills", "restarts", "downtime_s":
		return NotMeasured + " (no crash watch)"
	case "completion_p99_ms":
		if r.Completion == nil {
			return NotMeasured + " (no caller recorded)"
		}
		return notReached(r.Completion)
	case "callers", "succeeded", "gave_up":
		return NotMeasured + " (callers' outcomes not recorded)"
	case "accepted", "completed", "lost", "duplicates", "drain_s":
		if r.AsyncUntracked > 0 {
			return fmt.Sprintf("%s (%d accepted uploads not tracked)", NotMeasured, r.AsyncUntracked)
		}
		return NotApplicable + " (synchronous service)"
	}
	return NotMeasured
}
