package reports

import "time"

// AsyncState is where an accepted upload ended, as a caller saw it.
type AsyncState string

// Async states of a caller's upload. StateNone: never accepted.
const (
	StateNone    AsyncState = ""
	StateDone    AsyncState = "done"
	StateFailed  AsyncState = "failed"
	StatePending AsyncState = "pending" // the run stopped before the drain ended
	// StateLost is StateUnfinished, under its former name.
	StateLost AsyncState = "lost"
	// StateVanished: the service stopped knowing an upload it had
	// accepted (its status answered 404 after the 202).
	StateVanished AsyncState = "vanished"
	// StateUnfinished: still not done when drain_timeout ran out.
	StateUnfinished AsyncState = "unfinished"
)

// Attempt is one HTTP upload attempt as the storm engine saw it. Times are
// offsets from the run's start so that records are small and comparable.
type Attempt struct {
	Caller   int32         `json:"caller"`   // caller index, 0-based
	Try      int32         `json:"try"`      // 1 for the first attempt, 2 for the first retry, ...
	Intended time.Duration `json:"intended"` // when the schedule wanted it sent
	Sent     time.Duration `json:"sent"`     // when it was actually sent
	Latency  time.Duration `json:"latency"`
	Status   int32         `json:"status"` // 0 when no HTTP answer
	Class    Class         `json:"class"`  // ClassNone on success
	// CallerClass is the index of the caller's class in the scenario's
	// callers.classes (Aggregator.SetClasses names them); 0 when none.
	CallerClass uint8 `json:"caller_class"`
	// Resent: the request was written a second time on a new connection
	// after its first write on a kept one failed before a byte left.
	Resent bool `json:"resent,omitempty"`
	// Redirects is how many 3xx answers were followed before the answer
	// Status holds (api.redirects: follow).
	Redirects uint8 `json:"redirects,omitempty"`
	// BytesOut is the upload body's bytes written to the connection (the
	// request line and headers not counted, as vegeta counts), BytesIn the
	// answer body's bytes read. Both are -1 when not recorded: an
	// attempts.csv written before these columns existed.
	BytesOut int64 `json:"bytes_out"`
	BytesIn  int64 `json:"bytes_in"`
}

// CallerOutcome is one caller's end state, reported once per caller.
type CallerOutcome struct {
	Caller    int32 `json:"caller"`
	Attempts  int32 `json:"attempts"`
	Succeeded bool  `json:"succeeded"` // its upload was answered 2xx (and, for async, done)
	GaveUp    bool  `json:"gave_up"`
	// Completion runs from the first attempt's intended send time to the data
	// being safely done: the 2xx answer for sync, the processed state for async.
	// Zero when not completed.
	Completion time.Duration `json:"completion"`
	// Async fields; all zero for a synchronous SUT.
	Accepted    int32         `json:"accepted"`     // distinct upload ids accepted (202) for this caller's data
	AsyncState  AsyncState    `json:"async_state"`  // StateNone when never accepted
	AcceptedAt  time.Duration `json:"accepted_at"`  // offset of the last acceptance
	CompletedAt time.Duration `json:"completed_at"` // offset when done/failed was observed
	// Client behaviour (scenario callers.retry, docs/scenarios.md).
	CallerClass     uint8 `json:"caller_class"`      // as Attempt.CallerClass
	BudgetDenied    bool  `json:"budget_denied"`     // it gave up because its class's retry budget was spent
	BreakerOpens    int32 `json:"breaker_opens"`     // times its circuit breaker opened
	RetryAfterWaits int32 `json:"retry_after_waits"` // retries whose wait a Retry-After set
	// UploadOnly marks one more upload of a caller whose outcome another
	// CallerOutcome carries (a replay sends each logged upload as a storm
	// caller; callers.* count logged callers): only its async state and
	// client-behaviour counts are added, not a caller.
	UploadOnly bool `json:"upload_only,omitempty"`
	// LoginFailed: the caller's login never succeeded (api.login), so it
	// sent no upload; neither succeeded nor gave up.
	LoginFailed bool `json:"login_failed,omitempty"`
	// Ended: the caller ended during the storm (CallerFinished counted it
	// then) and this, its final outcome, came at once rather than at the
	// run's end — a storm keeps nothing of the callers it is done with.
	Ended bool `json:"-"`
}

// Sample is one observation of a SUT container's resources.
type Sample struct {
	At         time.Duration
	Container  string
	MemBytes   int64   // working set
	CPU        float64 // cores; a negative value (a counter reset) is not used
	QueueDepth int64   // -1 when unknown
}
