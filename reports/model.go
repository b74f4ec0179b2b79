// Package reports holds the report model (schema rehearse.report/v1), the
// streaming aggregation that builds it from attempt records and container
// events, and the writers that render it (table, JSON, Markdown, HTML, JUnit)
// and compare two of them. It imports no Docker client and no load generator.
package reports

import "time"

// Schema is the value of Report.Schema for every report this package writes.
const Schema = "rehearse.report/v1"

// Report is one rehearsal's outcome. Every top-level key is always present in
// its JSON form: fields that do not apply are null, never missing (pointers
// without omitempty).
type Report struct {
	Schema    string       `json:"schema"`
	Scenario  ScenarioInfo `json:"scenario"`
	SUT       SUTInfo      `json:"sut"`
	StartedAt time.Time    `json:"started_at"`
	EndedAt   time.Time    `json:"ended_at"`
	DurationS float64      `json:"duration_s"`
	Verdict   Verdict      `json:"verdict"`
	// Expect is the verdict the scenario expected ("pass" unless it
	// demonstrates a failure, like the seed's synchronous service).
	Expect    Verdict   `json:"expect"`
	Generator Generator `json:"generator"`
	Requests  Requests  `json:"requests"`
	// LatencyMs is the latency of successful attempts (class none: the
	// answers that count as ok); LatencyAllMs of every attempt that
	// reached the service, answered or failed there (Requests.Total). A
	// run where nothing succeeded has LatencyMs figures of nil.
	LatencyMs    Latency `json:"latency_ms"`
	LatencyAllMs Latency `json:"latency_all_ms"`
	Throughput   float64 `json:"throughput_rps"`
	Callers      Callers `json:"callers"`
	// Login is the callers' logins (api.login), nil when they do not log
	// in; Steps the upload's steps (api.upload.steps), empty for a
	// one-request upload (flow.go).
	Login *Login       `json:"login"`
	Steps []StepReport `json:"steps"`
	// Uploads counts each upload of callers that upload more than once
	// (callers.every); nil when they upload once (uploads.go).
	Uploads    *Uploads    `json:"uploads"`
	Completion *Completion `json:"completion_ms"` // nil when no caller was recorded
	Crashes    Crashes     `json:"crashes"`
	Async      *Async      `json:"async"` // nil for a synchronous SUT
	// AsyncUntracked counts 202 answers whose completion was not followed
	// (api.completion: none): their fate is unknown, so async gate
	// variables are not measured when it is above 0.
	AsyncUntracked int64 `json:"async_untracked"`
	// Classes are the callers by class (callers.classes; one "default"
	// when none was declared), side by side.
	Classes map[string]*ClassReport `json:"classes"`
	// Load is offered load vs attempts vs goodput: what retries added.
	Load LoadSummary `json:"load"`
	// BadAnswer is the first answer the status mapping could not read
	// (class bad_answer); nil when there was none.
	BadAnswer *BadAnswer   `json:"bad_answer_example"`
	Gates     []GateResult `json:"gates"`
	// Signature is what the run had to show for its outcome to mean what
	// the scenario says (scenario key signature), evaluated like gates: an
	// expected failure whose signature does not hold failed for the wrong
	// reason and did not meet its expectation. Empty when none was declared.
	Signature []GateResult `json:"signature"`
	Timeline  []Bucket     `json:"timeline"`
	// ArrivalSteps are the figures of each step of an arrival in steps
	// (profile steps), nil for any other arrival; Windows those of the
	// windows the gates name (error_rate[last 30s]), nil when none does
	// (window.go). AbortedBy is the gate that stopped the storm, nil
	// when none did.
	ArrivalSteps []ArrivalStepReport `json:"arrival_steps"`
	Windows      []WindowReport      `json:"windows"`
	AbortedBy    *Abort              `json:"aborted_by"`
	Events       []Event             `json:"events"`
	Cutover      *Cutover            `json:"cutover"` // nil unless the scenario had an upgrade block
	Data         *DataReport         `json:"data"`    // nil without a data block
	// Shards are the shards a merged report was made of (rehearse merge);
	// nil for a run on one machine.
	Shards []ShardInfo `json:"shards,omitempty"`
	// MissingShards are the shards of a merged run that never reported
	// (partial.go); the verdict is then partial.
	MissingShards []MissingShard `json:"missing_shards,omitempty"`
	Interrupted   bool           `json:"interrupted"`             // true when the run was stopped early (Ctrl-C)
	Notes         []string       `json:"notes"`                   // human remarks: "no resource limits applied", "generator saturated"
	ScenarioYAML  string         `json:"scenario_yaml,omitempty"` // the scenario as run
	// Host is the machine the run was made on; absent in reports written
	// before it was recorded (history says "machine not recorded").
	Host *Host `json:"host,omitempty"`
	// AttemptsLog says what the run's attempt log holds (--attempts): all,
	// a sample of the callers, or none, and its file; absent in reports
	// written before it was recorded (docs/attempts.md).
	AttemptsLog *AttemptsLog `json:"attempts_log,omitempty"`
}

// ScenarioInfo names what was run.
type ScenarioInfo struct {
	Name string `json:"name"`
	File string `json:"file"`
	Seed int64  `json:"seed"`
}

// SUTInfo describes the service under test as it was started.
type SUTInfo struct {
	Kind      string     `json:"kind"`  // "reference" | "image" | "url"
	Mode      string     `json:"mode"`  // sync | async | "" for image/url
	Image     string     `json:"image"` // "" for url
	Replicas  int        `json:"replicas"`
	Runtime   string     `json:"runtime"` // "docker" | "process" | "none"
	Network   string     `json:"network"` // "host" | "bridge" | ""
	Target    string     `json:"target"`  // the base URL load was sent to
	Resources *Resources `json:"resources"`
}

// Resources are the limits applied to each SUT container; nil when none applied.
type Resources struct {
	CPUs        float64 `json:"cpus"`
	MemoryBytes int64   `json:"memory_bytes"`
	Pids        int64   `json:"pids"`
}

// Generator describes how faithfully the load generator kept the schedule,
// and the errors it made itself.
type Generator struct {
	PlannedAttempts int64   `json:"planned_attempts"` // first attempts planned (one per caller)
	Sent            int64   `json:"sent"`             // attempts actually sent, retries included
	MaxLagMs        float64 `json:"max_lag_ms"`
	LagP99Ms        float64 `json:"lag_p99_ms"`
	CPUS            float64 `json:"cpu_s"`
	// Saturated: the generator was the limit — its lag was sustained
	// (generatorlag.go), or the storm used more than 90% of its CPUs.
	Saturated bool `json:"saturated"`
	// Stalls are seconds in which the generator fell behind its schedule
	// without that being sustained (a pause, a disk flush): the run is
	// not marked saturated for them, and they are listed with their time.
	Stalls []Stall `json:"stalls,omitempty"`
	// Errors counts attempts that failed on this machine before reaching
	// the service (out of files, out of ports, a local dial failure), keyed
	// by GenOutOfFiles, ...; they are never in Requests.Errors. A run with
	// any is Verdict Invalid.
	Errors map[Class]int64 `json:"errors"`
	// How close the generator came to its own limits, so a user knows when
	// to add shards: the CPU it used as a share of the cores it may use,
	// its peak of attempts in flight (sockets held) against its open-file
	// limit, and the machine's sockets to the target when the storm ended
	// (TIME_WAIT included: each holds an ephemeral port) against its
	// ephemeral port range. Nil when not measured (a rebuilt or merged
	// report).
	CPUShare     *float64 `json:"cpu_share"`
	InflightPeak *int64   `json:"inflight_peak"`
	FileLimit    *int64   `json:"file_limit"`
	PortsInUse   *int64   `json:"ports_in_use"`
	PortRange    *int64   `json:"port_range"`
}

// Requests counts attempts by outcome. Errors is keyed by error class
// (ClassTimeout, ...); Status by HTTP status code as a decimal string.
type Requests struct {
	Total    int64 `json:"total"`
	OK       int64 `json:"ok"`
	Timeouts int64 `json:"timeouts"`
	// Aborted attempts were cut off by the run's own stop (ClassAborted):
	// not in Total, not an error of the service's.
	Aborted int64 `json:"aborted"`
	// Resent counts requests written a second time on a new connection:
	// their first write on a kept connection failed before a byte left,
	// so the service saw each once. Included in Total once.
	Resent int64 `json:"resent"`
	// Redirects counts the 3xx answers followed to another request
	// (api.redirects: follow); the attempt's answer is the last one.
	Redirects int64            `json:"redirects"`
	Errors    map[Class]int64  `json:"errors"`
	Status    map[string]int64 `json:"status"`
	// ErrorExamples keeps the first attempt of each class that failed
	// without an answer (conn_closed, protocol, tls, ...), what the client
	// saw; absent when none failed so.
	ErrorExamples map[Class]ErrorExample `json:"error_examples,omitempty"`
}

// Latency summarises the latencies of a set of attempts in milliseconds
// (Report.LatencyMs: the successful ones; Report.LatencyAllMs: all that
// reached the service). Attempts is how many the figures are of; when it
// is 0 every figure is nil, not measured, never 0. A report written
// before Attempts was recorded reads 0 there with its figures set.
type Latency struct {
	Attempts int64    `json:"attempts"`
	Mean     *float64 `json:"mean"`
	P50      *float64 `json:"p50"`
	P90      *float64 `json:"p90"`
	P99      *float64 `json:"p99"`
	Max      *float64 `json:"max"`
}

// Measured reports whether the figures of l were measured: some attempt
// was of its kind.
func (l Latency) Measured() bool { return l.P50 != nil }

// Completion summarises per-caller completion times in milliseconds over
// all callers. A caller who gave up (or whose upload never finished) never
// completes: it is censored, not dropped, so a percentile above
// CompletedFraction was not reached and is nil. Max is the slowest caller
// that did complete (nil when none did).
type Completion struct {
	P50               *float64 `json:"p50"`
	P90               *float64 `json:"p90"`
	P99               *float64 `json:"p99"`
	Max               *float64 `json:"max"`
	CompletedFraction float64  `json:"completed_fraction"`
}

// Callers summarises per-caller outcomes.
type Callers struct {
	Total     int64 `json:"total"`
	Succeeded int64 `json:"succeeded"`
	GaveUp    int64 `json:"gave_up"`
	Attempts  int64 `json:"attempts"`
	Retries   int64 `json:"retries"`
	// LoginFailed are callers whose login never succeeded: they sent no
	// upload, and are counted neither as succeeded nor as gave up.
	LoginFailed int64 `json:"login_failed"`
	// OutcomesUnknown is true when callers' end states were not recorded (a
	// report rebuilt from attempts.csv of a run that did not finish):
	// Succeeded and GaveUp are then not measured, whatever their value.
	OutcomesUnknown bool `json:"outcomes_unknown,omitempty"`
}

// Crashes summarises what the container watcher saw. Each count is nil when
// it was not measured (rehearse attack, or sut.url without a watch): "not
// measured" is never written as 0.
type Crashes struct {
	Count     *int64       `json:"count"`
	OOMKills  *int64       `json:"oom_kills"`
	Restarts  *int64       `json:"restarts"`
	DowntimeS *float64     `json:"downtime_s"`
	Events    []CrashEvent `json:"events"`
}

// Measured reports whether a crash watch produced these counts.
func (c Crashes) Measured() bool { return c.Count != nil }

// CrashEvent is one container death.
type CrashEvent struct {
	AtS       float64 `json:"at_s"`
	Container string  `json:"container"`
	Kind      string  `json:"kind"` // "oom" | "crash" | "killed" | "exit"
	ExitCode  int     `json:"exit_code"`
	OOMKilled bool    `json:"oom_killed"`
}

// Async summarises eventual completion of accepted uploads, as the
// callers saw it through the status polls (asyncpolls.go): what the
// service said, not what it stored (data.verify reads that back).
// Failed are the uploads the service said failed; Vanished those it
// stopped knowing (404 after it had accepted them); Unfinished those still
// not done when the drain timeout ran out; Lost is their sum. Pending are
// accepted and not yet terminal when the run was stopped before its drain
// ended (an interrupted run), and are never lost.
//
// PollErrors counts the poll answers that were not a readable status, by
// HTTP code ("401") or "conn" for no answer; PollErrorExample is the first
// one, secrets redacted. When most polls were refused (401, 403),
// NotMeasured says so and the outcome counts are null in JSON and "not
// measured" in every view: the service never said how the uploads ended.
type Async struct {
	Accepted         int64            `json:"accepted"`
	Completed        int64            `json:"completed"`
	Failed           int64            `json:"failed"`
	Vanished         int64            `json:"vanished"`
	Unfinished       int64            `json:"unfinished"`
	Pending          int64            `json:"pending"`
	Lost             int64            `json:"lost"`
	Duplicates       int64            `json:"duplicates"`
	DrainS           float64          `json:"drain_s"`
	Polls            int64            `json:"polls"`
	PollErrors       map[string]int64 `json:"poll_errors,omitempty"`
	PollErrorExample string           `json:"poll_error_example,omitempty"`
	NotMeasured      string           `json:"not_measured,omitempty"`
}

// ClassReport is one caller class's outcome.
// Amplification is attempts / first attempts, nil when the class sent
// nothing. P50Ms and P99Ms are the latency of the class's successful
// attempts (nil when none succeeded); P50AllMs and P99AllMs of all its
// attempts that reached the service (nil when it sent nothing).
type ClassReport struct {
	Callers         int64    `json:"callers"`
	Succeeded       int64    `json:"succeeded"`
	GaveUp          int64    `json:"gave_up"`
	Attempts        int64    `json:"attempts"`
	Resent          int64    `json:"resent"` // as Requests.Resent, this class's
	FirstAttempts   int64    `json:"first_attempts"`
	Retries         int64    `json:"retries"`
	Timeouts        int64    `json:"timeouts"`
	P50Ms           *float64 `json:"p50_ms"`
	P99Ms           *float64 `json:"p99_ms"`
	P50AllMs        *float64 `json:"p50_all_ms"`
	P99AllMs        *float64 `json:"p99_all_ms"`
	Amplification   *float64 `json:"amplification"`
	BudgetDenied    int64    `json:"budget_denied"`
	BreakerOpens    int64    `json:"breaker_opens"`
	RetryAfterWaits int64    `json:"retry_after_waits"`
}

// LoadSummary is what the callers offered against what they sent and what got
// through. Offered counts first attempts, Attempts every attempt sent,
// Goodput the callers whose upload succeeded; Amplification is
// Attempts/Offered (nil when nothing was offered).
type LoadSummary struct {
	Offered       int64    `json:"offered"`
	Attempts      int64    `json:"attempts"`
	Goodput       int64    `json:"goodput"`
	Amplification *float64 `json:"amplification"`
}

// BadAnswer is an upload answer that api.status.id_field (or another
// mapping) could not read: kept once, as an example for the user.
type BadAnswer struct {
	AtS    float64 `json:"at_s"`
	Caller int32   `json:"caller"`
	Status int32   `json:"status"`
	Reason string  `json:"reason"` // e.g. `no "job.id" in the answer`
	Body   string  `json:"body"`   // its first 512 bytes
}

// GateResult is one evaluated gate. Value is nil when its variable was not
// measured or does not apply; such a gate fails and Reason says why.
type GateResult struct {
	Expr   string   `json:"expr"`
	Value  *float64 `json:"value"`
	Pass   bool     `json:"pass"`
	Reason string   `json:"reason,omitempty"`
}

// Bucket is one second of the timeline.
type Bucket struct {
	TS       float64 `json:"t_s"`
	Sent     int64   `json:"sent"`
	OK       int64   `json:"ok"`
	Timeouts int64   `json:"timeouts"`
	Errors   int64   `json:"errors"`
	// P50Ms and P99Ms are the latency of the attempts sent this second
	// that succeeded, nil when none did; P50AllMs and P99AllMs of all
	// attempts sent this second that reached the service, nil when none.
	P50Ms       *float64 `json:"p50_ms"`
	P99Ms       *float64 `json:"p99_ms"`
	P50AllMs    *float64 `json:"p50_all_ms"`
	P99AllMs    *float64 `json:"p99_all_ms"`
	Inflight    int64    `json:"inflight"`
	SUTMemBytes *int64   `json:"sut_mem_bytes"` // nil when not sampled
	SUTCPU      *float64 `json:"sut_cpu"`       // cores in use; nil when not sampled
	QueueDepth  *int64   `json:"queue_depth"`   // nil when the SUT exposes none
	// Offered are first attempts sent this second; Goodput the attempts
	// answered OK; BreakerOpens the circuit breakers that opened.
	Offered      int64 `json:"offered"`
	Goodput      int64 `json:"goodput"`
	BreakerOpens int64 `json:"breaker_opens"`
}

// EventKind names what an Event is about.
type EventKind string

// Event kinds. A container's death is EventDie (its detail says crash, oom,
// killed or exit); the crash ledger (Crashes.Events) says which deaths
// were crashes.
const (
	EventStart   EventKind = "start"   // a container or process started for the first time
	EventRestart EventKind = "restart" // it started again (restart policy, fault, upgrade)
	EventDie     EventKind = "die"
	EventHealth  EventKind = "health"  // an image's HEALTHCHECK changed status (detail: healthy | unhealthy)
	EventFault   EventKind = "fault"   // a scheduled fault was applied (or failed)
	EventUpgrade EventKind = "upgrade" // the upgrade began, ended or failed
)

// Event is something that happened during the run, for the timeline and the
// charts' markers: container lifecycle, faults, upgrade steps, notes.
type Event struct {
	AtS       float64   `json:"at_s"`
	Kind      EventKind `json:"kind"`
	Container string    `json:"container"` // "" when not about a container
	Detail    string    `json:"detail"`
}

// Cutover reports the upgrade window separately from the rest of the run.
type Cutover struct {
	Strategy  string          `json:"strategy"` // rolling | recreate
	StartS    float64         `json:"start_s"`
	EndS      float64         `json:"end_s"`
	Requests  int64           `json:"requests"`
	OK        int64           `json:"ok"`
	Errors    map[Class]int64 `json:"errors"`
	DowntimeS float64         `json:"downtime_s"`
	// The team's deploy command (upgrade.command/shell): its exit code
	// and how long it ran; nil for an upgrade rehearse did itself.
	Command  string   `json:"command,omitempty"`
	ExitCode *int     `json:"exit_code"`
	CommandS *float64 `json:"command_s"`
}

// Abort is the gate that stopped the storm ({gate, abort: true}): it
// failed on its window at AtS with Value.
type Abort struct {
	Gate  string  `json:"gate"`
	AtS   float64 `json:"at_s"`
	Value float64 `json:"value"`
}
