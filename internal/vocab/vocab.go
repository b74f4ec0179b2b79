// Package vocab holds the words a scenario, the reference services, the
// runner and a report share, written once: the gate variables a scenario
// may name and a report measures, the name of the one caller class of a
// scenario that declares none, the reference modes, networks, restart
// policies, retry.on kinds and arrival profiles. scenarios validates
// against these lists; sut, harness, traffic and reports use the same
// words.
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

// The reference services' modes a scenario names (sut.reference.mode),
// package sut serves and a report shows (sut.mode).
const (
	ModeSync  = "sync"
	ModeAsync = "async"
	ModeTeam  = "team" // the team-shaped example API (sut/teamapi)
	ModeFlow  = "flow" // multipart uploads behind a login (sut/flowapi)
)

// Modes are the modes a scenario may name, in the order of the docs.
var Modes = []string{ModeSync, ModeAsync, ModeTeam, ModeFlow}

// The networks a started service may be on (sut.network): the host's, or
// a bridge of its own with a published port.
const (
	NetworkHost   = "host"
	NetworkBridge = "bridge"
)

// The restart policies of a started service (sut.restart.policy), as
// Docker names them.
const (
	RestartNo        = "no"
	RestartOnFailure = "on-failure"
	RestartAlways    = "always"
)

// RestartPolicies are the restart policies a scenario may name.
var RestartPolicies = []string{RestartNo, RestartOnFailure, RestartAlways}

// The kinds of failure a retry policy retries (retry.on).
const (
	RetryOnTimeout = "timeout" // no answer within the caller's timeout
	RetryOn5xx     = "5xx"
	RetryOn429     = "429"
	RetryOn4xx     = "4xx"   // other 4xx answers
	RetryOnConn    = "conn"  // the connection failed: refused, reset, closed, not opened in time
	RetryOnOther   = "other" // an answer that could not be read, a TLS failure, a redirect gone wrong
)

// RetryOn are the kinds retry.on may name; DefaultRetryOn those retried
// when it names none.
var (
	RetryOn        = []string{RetryOnTimeout, RetryOn5xx, RetryOn429, RetryOn4xx, RetryOnConn, RetryOnOther}
	DefaultRetryOn = []string{RetryOnTimeout, RetryOn5xx, RetryOn429, RetryOnConn}
)

// The arrival profiles a scenario names (arrival.profile) and an
// import's fit chooses from.
const (
	ProfileBurst    = "burst"
	ProfileRamp     = "ramp"
	ProfilePoisson  = "poisson"
	ProfileConstant = "constant"
	ProfileSteps    = "steps"
)

// Profiles are the arrival profiles a scenario may name.
var Profiles = []string{ProfileBurst, ProfileRamp, ProfilePoisson, ProfileConstant, ProfileSteps}

// The verdicts a scenario may expect of its run (expect:); a report's
// verdicts pass and fail are these words.
const (
	ExpectPass = "pass"
	ExpectFail = "fail"
)

// What a fault acts on (faults[].target): every replica of the service,
// the load balancer in front of them, or replica N (counted from 1).
const (
	FaultTargetSUT     = "sut"
	FaultTargetLB      = "lb"
	FaultTargetReplica = "replica-" // followed by N
)
