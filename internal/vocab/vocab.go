// Package vocab holds the words a scenario and a report share, written
// once: the gate variables a scenario may name and a report measures, and
// the name of the one caller class of a scenario that declares none.
// scenarios validates against these lists, reports fills them.
package vocab

// DefaultClass names the one caller class of a scenario that declares
// none.
const DefaultClass = "default"

// GateVariables are the names a gate may use. p50_ms, p90_ms, p99_ms and
// max_ms are the latency of the successful attempts; p50_all_ms ...
// max_all_ms of every attempt that reached the service, failures
// included.
var GateVariables = []string{
	"requests", "ok", "timeouts", "timeout_rate", "error_rate", "p50_ms", "p90_ms", "p99_ms", "max_ms",
	"p50_all_ms", "p90_all_ms", "p99_all_ms", "max_all_ms", "throughput_rps", "callers", "succeeded", "gave_up", "retries", "completion_p99_ms", "crashes",
	"oom_kills", "restarts", "downtime_s", "accepted", "completed", "lost", "duplicates", "drain_s", "http_429",
	"amplification", "missing_records", "invalidated_callers", "login_failed", "login_errors", "goodput_ratio",
}

// ClassGateVariables are the names a gate may use for one caller class,
// written with the class in brackets: "gave_up[erp] == 0".
var ClassGateVariables = []string{
	"callers", "succeeded", "gave_up", "attempts", "retries", "timeouts", "p50_ms", "p99_ms", "p50_all_ms",
	"p99_all_ms", "amplification", "budget_denied", "breaker_opens",
}

// WindowGateVariables are the gate variables that have a value over a
// window ("error_rate[last 30s]"): what the per-second timeline holds.
// goodput_ratio is the attempts answered ok over the first attempts sent,
// amplification the attempts sent over the first attempts sent, both
// within the window.
var WindowGateVariables = []string{
	"requests", "ok", "timeouts", "timeout_rate", "error_rate", "p50_ms", "p99_ms", "p50_all_ms", "p99_all_ms",
	"throughput_rps", "goodput_ratio", "amplification",
}
