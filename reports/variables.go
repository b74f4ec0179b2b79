package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// VariableNames are the gate variables Variables may fill: the
// scenario's own list (vocab), so a gate can name exactly what a report
// measures.
var VariableNames = vocab.GateVariables

// ClassVariableNames are the gate variables Variables fills for each
// caller class, under ClassVariable(name, class) ("gave_up[erp]").
var ClassVariableNames = vocab.ClassGateVariables

// WindowVariableNames are the gate variables Variables fills for each
// arrival step and each window a gate names ("error_rate[last 30s]").
var WindowVariableNames = vocab.WindowGateVariables

// ClassVariable is the key of a class's gate variable: "gave_up[erp]".
func ClassVariable(name, class string) string { return name + "[" + class + "]" }

// splitClassVariable splits "gave_up[erp]" into gave_up and erp; ok is
// false for a name without a class.
func splitClassVariable(v string) (name, class string, ok bool) {
	i := strings.IndexByte(v, '[')
	if i <= 0 || !strings.HasSuffix(v, "]") {
		return "", "", false
	}
	return v[:i], v[i+1 : len(v)-1], true
}

// Variables returns the gate variables of r (VariableNames) that were
// measured. p50_ms, p90_ms, p99_ms and max_ms are the latency of the
// successful attempts, p50_all_ms ... max_all_ms of all attempts that
// reached the service. A variable that was not measured (a latency of
// successful attempts when none succeeded, crash counts of rehearse
// attack, a completion percentile not reached, async counts when 202s were
// not followed, callers' outcomes of a rebuilt report) or does not apply
// (drain_s of a synchronous SUT) is absent: a gate on it fails with
// MissingReason instead of passing on a zero. Each class of r.Classes adds
// ClassVariableNames under ClassVariable keys, by the same rule.
func Variables(r *Report) map[string]float64 {
	v := map[string]float64{
		"requests": float64(r.Requests.Total), "ok": float64(r.Requests.OK), "timeouts": float64(r.Requests.Timeouts),
		"throughput_rps": r.Throughput, "retries": float64(r.Callers.Retries),
		"http_429":     float64(r.Requests.Status["429"]),
		"timeout_rate": 0, "error_rate": 0,
	}
	latencyVariables(v, "", r.LatencyMs)
	latencyVariables(v, "_all", r.LatencyAllMs)
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
	if l := r.Login; l != nil {
		v["login_errors"] = float64(l.Errors)
		if !r.Callers.OutcomesUnknown {
			v["login_failed"] = float64(r.Callers.LoginFailed)
		}
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
	case a.NotMeasured != "":
		// The service refused most polls: only what the callers sent is known.
		v["accepted"], v["duplicates"] = float64(a.Accepted), float64(a.Duplicates)
	default:
		v["accepted"], v["completed"], v["lost"], v["duplicates"], v["drain_s"] =
			float64(a.Accepted), float64(a.Completed), float64(a.Lost), float64(a.Duplicates), a.DrainS
	}
	if r.Load.Amplification != nil {
		v["amplification"] = *r.Load.Amplification
	}
	if r.Load.Offered > 0 && !r.Callers.OutcomesUnknown {
		v["goodput_ratio"] = float64(r.Load.Goodput) / float64(r.Load.Offered)
	}
	for _, st := range r.ArrivalSteps {
		windowVariables(v, "step "+strconv.Itoa(st.Step), st.WindowFigures)
	}
	for _, w := range r.Windows {
		windowVariables(v, w.Window, w.WindowFigures)
	}
	if d := r.Data; d != nil && d.MissingRecords != nil && d.InvalidatedCallers != nil {
		v["missing_records"], v["invalidated_callers"] = float64(*d.MissingRecords), float64(*d.InvalidatedCallers)
	}
	for name, c := range r.Classes {
		classVariables(v, r, name, c)
	}
	return v
}

// latencyVariables adds the measured figures of l to v as p50<infix>_ms,
// p90, p99 and max: infix "" for the successful attempts (p99_ms), "_all"
// for all that reached the service (p99_all_ms).
func latencyVariables(v map[string]float64, infix string, l Latency) {
	for k, p := range map[string]*float64{"p50": l.P50, "p90": l.P90, "p99": l.P99, "max": l.Max} {
		if p != nil {
			v[k+infix+"_ms"] = *p
		}
	}
}

// classVariables adds class name's gate variables to v: its callers' end
// states only when they were recorded, its latency and amplification only
// when it sent something.
func classVariables(v map[string]float64, r *Report, name string, c *ClassReport) {
	if c == nil {
		return
	}
	set := func(k string, f float64) { v[ClassVariable(k, name)] = f }
	set("attempts", float64(c.Attempts))
	set("retries", float64(c.Retries))
	set("timeouts", float64(c.Timeouts))
	if !r.Callers.OutcomesUnknown {
		set("callers", float64(c.Callers))
		set("succeeded", float64(c.Succeeded))
		set("gave_up", float64(c.GaveUp))
		set("budget_denied", float64(c.BudgetDenied))
		set("breaker_opens", float64(c.BreakerOpens))
	}
	for k, p := range map[string]*float64{"p50_ms": c.P50Ms, "p99_ms": c.P99Ms, "p50_all_ms": c.P50AllMs, "p99_all_ms": c.P99AllMs,
		"amplification": c.Amplification} {
		if p != nil {
			set(k, *p)
		}
	}
}

// MissingReason says, in user words, why Variables(r) has no value for
// name: "not measured (no crash watch)", "not reached (94% completed)",
// "n/a (synchronous service)". It is "" when the variable has a value, and
// NotMeasured for a name it does not know.
func MissingReason(r *Report, name string) string {
	if _, ok := Variables(r)[name]; ok {
		return ""
	}
	if base, window, ok := splitClassVariable(name); ok && strings.Contains(window, " ") {
		return windowMissingReason(r, base, window)
	}
	if base, class, ok := splitClassVariable(name); ok {
		return classMissingReason(r, base, class)
	}
	switch name {
	case "p50_ms", "p90_ms", "p99_ms", "max_ms", "p50_all_ms", "p90_all_ms", "p99_all_ms", "max_all_ms":
		return latencyMissingReason(r, !strings.Contains(name, "_all_"))
	case "crashes", "oom_kills", "restarts", "downtime_s":
		return NotMeasured + " (no crash watch)"
	case "completion_p99_ms":
		if r.Completion == nil {
			return NotMeasured + " (no caller recorded)"
		}
		return NotReachedText(r.Completion)
	case "callers", "succeeded", "gave_up":
		return NotMeasured + " (callers' outcomes not recorded)"
	case "accepted", "completed", "lost", "duplicates", "drain_s":
		if a := r.Async; a != nil && a.NotMeasured != "" {
			return NotMeasured + " (" + a.NotMeasured + ")"
		}
		if r.AsyncUntracked > 0 {
			return fmt.Sprintf("%s (%d accepted uploads not tracked)", NotMeasured, r.AsyncUntracked)
		}
		return NotApplicable + " (synchronous service)"
	case "amplification":
		return NotMeasured + " (nothing was offered)"
	case "goodput_ratio":
		if r.Callers.OutcomesUnknown {
			return NotMeasured + " (callers' outcomes not recorded)"
		}
		return NotMeasured + " (nothing was offered)"
	case "login_failed", "login_errors":
		if r.Login == nil {
			return NotApplicable + " (the callers do not log in: api.login)"
		}
		return NotMeasured + " (callers' outcomes not recorded)"
	case "missing_records", "invalidated_callers":
		if r.Data == nil {
			return NotApplicable + " (no data block)"
		}
		return NotMeasured + " (the data was not read back)"
	}
	return NotMeasured
}

// classMissingReason says why class's variable name has no value: no such
// class, outcomes not recorded, or nothing sent.
func classMissingReason(r *Report, name, class string) string {
	c := r.Classes[class]
	switch {
	case r.Classes == nil:
		return NotMeasured + " (no caller classes in this report)"
	case c == nil:
		return fmt.Sprintf("%s (no class %q)", NotApplicable, class)
	}
	switch name {
	case "callers", "succeeded", "gave_up", "budget_denied", "breaker_opens":
		return NotMeasured + " (callers' outcomes not recorded)"
	case "p50_ms", "p99_ms", "p50_all_ms", "p99_all_ms", "amplification":
		switch {
		case c.Attempts == 0:
			return fmt.Sprintf("%s (class %s sent nothing)", NotMeasured, class)
		case name == "amplification":
			return fmt.Sprintf("%s (class %s sent no first attempt)", NotMeasured, class)
		case (name == "p50_ms" || name == "p99_ms") && c.P50AllMs != nil:
			return fmt.Sprintf("%s (class %s had no successful attempt)", NotMeasured, class)
		}
	}
	return NotMeasured
}

// latencyMissingReason says why a latency variable of r has no value; ok
// names the latency of the successful attempts (p99_ms), not of all
// attempts (p99_all_ms).
func latencyMissingReason(r *Report, ok bool) string {
	switch {
	case r.Requests.Total == 0:
		return NotMeasured + " (no attempt reached the service)"
	case ok && r.Requests.OK == 0:
		return NoSuccess
	case !ok:
		return NotMeasured + " (not recorded in this report)"
	}
	return NotMeasured
}

// windowVariables adds the figures of window w ("last 30s", "step 2") to v
// under "error_rate[last 30s]" keys: the counts always, each ratio and
// latency when it was measured.
func windowVariables(v map[string]float64, w string, f WindowFigures) {
	for _, k := range WindowVariableNames {
		if x, ok := f.Value(k); ok {
			v[k+"["+w+"]"] = x
		}
	}
}

// Value is the window's figure for gate variable name (one of
// WindowVariableNames); false when it was not measured.
func (f WindowFigures) Value(name string) (float64, bool) {
	var p *float64
	switch name {
	case "requests":
		return float64(f.Requests), true
	case "ok":
		return float64(f.OK), true
	case "timeouts":
		return float64(f.Timeouts), true
	case "timeout_rate":
		p = f.TimeoutRate
	case "error_rate":
		p = f.ErrorRate
	case "p50_ms":
		p = f.P50Ms
	case "p99_ms":
		p = f.P99Ms
	case "p50_all_ms":
		p = f.P50AllMs
	case "p99_all_ms":
		p = f.P99AllMs
	case "throughput_rps":
		p = f.ThroughputRPS
	case "goodput_ratio":
		p = f.GoodputRatio
	case "amplification":
		p = f.Amplification
	}
	if p == nil {
		return 0, false
	}
	return *p, true
}

// windowMissingReason says why name has no value over window: a window
// that never began, or nothing of its kind in it.
func windowMissingReason(r *Report, name, window string) string {
	var f *WindowFigures
	for i := range r.ArrivalSteps {
		if "step "+strconv.Itoa(r.ArrivalSteps[i].Step) == window {
			f = &r.ArrivalSteps[i].WindowFigures
		}
	}
	for i := range r.Windows {
		if r.Windows[i].Window == window {
			f = &r.Windows[i].WindowFigures
		}
	}
	switch {
	case f == nil && window == "during upgrade":
		return NotMeasured + " (the upgrade did not begin)"
	case f == nil:
		return fmt.Sprintf("%s (the run never reached its %s)", NotMeasured, window)
	case f.Requests == 0:
		return fmt.Sprintf("%s (no attempt was sent in its %s)", NotMeasured, window)
	case name == "goodput_ratio" || name == "amplification":
		return fmt.Sprintf("%s (no first attempt was sent in its %s)", NotMeasured, window)
	case f.OK == 0:
		return fmt.Sprintf("%s (no attempt succeeded in its %s)", NotMeasured, window)
	}
	return NotMeasured
}
