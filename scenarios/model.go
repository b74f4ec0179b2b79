// Package scenarios is the scenario model: strict YAML loading with
// file:line:column errors, validation, the caller population, arrival
// profiles, retry policies and gates. It imports no Docker client and no load
// generator, and prints nothing.
//
// A scenario file goes through Parse in four steps: the YAML is parsed into
// an AST; checkShape walks it against the model's yaml tags and reports
// every unknown key and every value of the wrong kind at once; only then is
// it decoded, applyDefaults fills what was left out, and validate reports
// every invalid value at once. Warnings adds advice about a valid scenario
// that will not do what it seems to.
package scenarios

import "time"

// Scenario is one rehearsal as declared in a YAML file (docs/scenarios.md).
// Field names and YAML keys are a public contract.
type Scenario struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Seed        int64    `yaml:"seed" json:"seed"`
	SUT         SUT      `yaml:"sut" json:"sut"`
	API         API      `yaml:"api" json:"api"`
	Callers     Callers  `yaml:"callers" json:"callers"`
	Arrival     Arrival  `yaml:"arrival" json:"arrival"`
	Run         Run      `yaml:"run" json:"run"`
	Faults      []Fault  `yaml:"faults" json:"faults,omitempty"`
	Gates       []Gate   `yaml:"gates" json:"gates,omitempty"`
	Upgrade     *Upgrade `yaml:"upgrade" json:"upgrade,omitempty"`
	Data        *Data    `yaml:"data" json:"data,omitempty"`
	// Expect is the verdict the scenario is expected to reach: "pass"
	// (default) or "fail" for a scenario that demonstrates a failure, like
	// the seed's synchronous service. The run's exit code is 0 when every
	// scenario met its expectation.
	Expect string `yaml:"expect" json:"expect,omitempty"`
	// Signature is what the run must show for its outcome to mean what the
	// scenario says, as gate expressions: e.g. the seed's act 1 must fail
	// *because* the service crashed and callers timed out and gave up
	// ("crashes > 0"), not for another reason. A run whose signature does
	// not hold did not meet its expectation, whatever its verdict.
	Signature []Gate `yaml:"signature" json:"signature,omitempty"`
	// Compare overrides compare's tolerance per metric ({p99_ms: 10%,
	// timeouts: 0}): how far it may move before it counts as worse or
	// better. Nil keeps every default.
	Compare map[string]Tolerance `yaml:"compare" json:"compare,omitempty"`
	// Traffic replays a trace of real callers' traffic (traffic.go).
	Traffic *Traffic `yaml:"traffic" json:"traffic,omitempty"`
	// Storm makes every periodic caller re-upload at once at Storm.At, on
	// top of its schedule, spread as arrival says (periodic.go).
	Storm *StormAt `yaml:"storm" json:"storm,omitempty"`

	// File is where the scenario was loaded from ("builtin:<name>" for an
	// embedded one); Source is the file's bytes as read. Neither is YAML.
	File   string `yaml:"-" json:"-"`
	Source []byte `yaml:"-" json:"-"`
}

// SUT is the service under test: exactly one of Reference, Image or URL.
type SUT struct {
	Reference *Reference `yaml:"reference" json:"reference,omitempty"`
	Image     *Image     `yaml:"image" json:"image,omitempty"`
	URL       string     `yaml:"url" json:"url,omitempty"`
	Watch     *Watch     `yaml:"watch" json:"watch,omitempty"` // with url: containers you started
	// Health, with url, is the path where the service says it is ready
	// (2xx): the wait after a deploy command, and the watch's downtime
	// probe unless watch.health names its own.
	Health string `yaml:"health" json:"health,omitempty"`
	// Reset, with url, restores the service you started to a known state
	// before every run of the scenario (docs/upgrades.md).
	Reset     *Reset     `yaml:"reset" json:"reset,omitempty"`
	Resources *Resources `yaml:"resources" json:"resources,omitempty"`
	Restart   *Restart   `yaml:"restart" json:"restart,omitempty"`
	Network   string     `yaml:"network" json:"network,omitempty"` // host | bridge; "" = default for the kind
	// TLS is how every request to an https target is made: the CA that
	// signed the service's certificate, a client certificate, the name to
	// verify, or no verification at all (tls.go). Nil: the system's roots.
	TLS *TLS `yaml:"tls" json:"tls,omitempty"`
}

// Reference runs the reference upload service of sut/ (cmd/uploadsvc).
type Reference struct {
	Mode     string   `yaml:"mode" json:"mode"`         // sync | async | team (sut/teamapi)
	Replicas int      `yaml:"replicas" json:"replicas"` // > 1 adds an lb in front; default 1
	Args     []string `yaml:"args" json:"args,omitempty"`
}

// Image runs a team's own image: a local image (never pulled) or one built
// from a Dockerfile folder.
type Image struct {
	Name   string            `yaml:"name" json:"name,omitempty"`
	Build  string            `yaml:"build" json:"build,omitempty"` // relative to the scenario file
	Port   int               `yaml:"port" json:"port"`             // default 8080
	Health string            `yaml:"health" json:"health"`         // default /healthz
	Env    map[string]string `yaml:"env" json:"env,omitempty"`
	Args   []string          `yaml:"args" json:"args,omitempty"`
	// Replicas > 1 runs that many containers of the image behind a
	// round-robin proxy (uploadsvc --mode proxy); default 1.
	Replicas int `yaml:"replicas" json:"replicas,omitempty"`
	// Writable paths get a Docker volume each, kept across the
	// container's restarts within the run and removed at its end, as a
	// deployment's disk would be; the root file system stays read-only.
	Writable []string `yaml:"writable" json:"writable,omitempty"`
	// TmpfsMB is the size of the /tmp tmpfs in MiB; default 64.
	TmpfsMB int `yaml:"tmpfs_mb" json:"tmpfs_mb,omitempty"`
	// User runs the container as this user ("uid", "uid:gid" or a name
	// of the image); default the user the image declares.
	User string `yaml:"user" json:"user,omitempty"`
}

// Resources are per-container limits. Zero means "no limit".
type Resources struct {
	CPUs   float64  `yaml:"cpus" json:"cpus"`
	Memory ByteSize `yaml:"memory" json:"memory"`
	Pids   int64    `yaml:"pids" json:"pids"`
}

// Restart is the container restart policy.
type Restart struct {
	Policy string `yaml:"policy" json:"policy"` // no | on-failure | always
	Max    int    `yaml:"max" json:"max"`
}

// API tells the engine how to talk to the SUT.
type API struct {
	// Headers go on every request rehearse makes for a caller: uploads,
	// status polls, listings, verify reads and the preload. A header of
	// the same name in upload.headers, status.headers, list.headers or
	// verify.headers wins over it (names compared case-insensitively).
	Headers     map[string]string `yaml:"headers" json:"headers,omitempty"`
	Upload      Upload            `yaml:"upload" json:"upload"`             // "POST /v1/callers/{caller}/records" or the long form (request.go)
	Completion  CompletionMode    `yaml:"completion" json:"completion"`     // default auto
	Status      *Status           `yaml:"status" json:"status,omitempty"`   // completion: body
	StatusField string            `yaml:"status_field" json:"status_field"` // default "status"; dotted (data.state)
	Done        []string          `yaml:"done" json:"done"`                 // default [done]
	Failed      []string          `yaml:"failed" json:"failed"`             // default [failed]
	// DoneWhen and FailedWhen, when set, decide from the whole status
	// answer instead of status_field and the done and failed lists
	// (`done == true && error == null`, condition.go); each replaces the
	// list of its kind.
	DoneWhen   Condition `yaml:"done_when" json:"done_when,omitempty"`
	FailedWhen Condition `yaml:"failed_when" json:"failed_when,omitempty"`
	// List, when set, names a caller's uploads ("GET /v1/callers/{caller}/uploads"
	// for the reference services): after the storm it is read to find
	// duplicates and uploads that were accepted but never done.
	List *List `yaml:"list" json:"list,omitempty"`
	// Verify reads a caller's stored records back (docs/upgrades.md,
	// docs/scenarios-api.md).
	Verify *Verify `yaml:"verify" json:"verify,omitempty"`
	// Redirects is what an upload answered 301, 302, 303, 307 or 308
	// does: follow (default) the Location on the target's host, up to
	// MaxRedirects hops, the final answer counting; fail counts the
	// redirect as an error (class redirect). A 3xx is never a success.
	Redirects RedirectMode `yaml:"redirects" json:"redirects,omitempty"`
	// Cookies keeps a cookie jar per caller (RFC 6265): what the service
	// sets on an answer goes with that caller's later uploads and status
	// polls, as a browser or a client with a session does.
	Cookies bool `yaml:"cookies" json:"cookies,omitempty"`
	// Login is a request each caller makes before its first one, whose
	// answer's fields are {login.NAME} in its later requests (flow.go).
	Login *Login `yaml:"login" json:"login,omitempty"`
}

// RedirectMode is api.redirects.
type RedirectMode string

// Redirect modes.
const (
	RedirectsFollow RedirectMode = "follow"
	RedirectsFail   RedirectMode = "fail"
)

// MaxRedirects bounds the hops of one upload under api.redirects: follow,
// as browsers and net/http bound theirs (net/http: 10; curl's default
// for -L: 50; five is what an upload API needs).
const MaxRedirects = 5

// List is where a caller's uploads are listed: "GET /path" in one line,
// or {path, headers}. Method is always GET.
type List struct {
	Method  string            `yaml:"method" json:"method"`
	Path    string            `yaml:"path" json:"path"`
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
}

// CompletionMode is how the engine learns that an accepted upload is done
// (docs/scenarios.md).
type CompletionMode string

// The completion modes a scenario may name in api.completion.
const (
	// CompletionAuto, the default, follows a 202 that carries a Location
	// and counts any other success as done at once.
	CompletionAuto CompletionMode = "auto"
	// CompletionLocation follows a 202's Location, and declares up front
	// that the service is asynchronous.
	CompletionLocation CompletionMode = "location"
	// CompletionBody reads the upload's id from the answer's body at
	// status.id_field and polls status.path (§4.7).
	CompletionBody CompletionMode = "body"
	// CompletionNone never follows: a 2xx is done, and a 202's fate is not
	// known.
	CompletionNone CompletionMode = "none"
)

// FollowsLocation reports whether a 202 with a Location is polled to its
// end under m (auto and location).
func (m CompletionMode) FollowsLocation() bool {
	return m == CompletionAuto || m == CompletionLocation
}

// Callers describes the caller population.
type Callers struct {
	Count       int          `yaml:"count" json:"count"`
	Records     Distribution `yaml:"records" json:"records"`
	RecordBytes int          `yaml:"record_bytes" json:"record_bytes"` // default 200
	Timeout     Duration     `yaml:"timeout" json:"timeout"`           // default 30s
	// ConnectTimeout bounds opening a connection (TCP and TLS), apart
	// from Timeout: an attempt that could not connect in time is class
	// conn_timeout, not the service's slow answer. Default 5s.
	ConnectTimeout Duration `yaml:"connect_timeout" json:"connect_timeout"`
	Retry          Retry    `yaml:"retry" json:"retry"`
	// Classes split Count by weight; each class's unset fields take the
	// values above (§4.8). None declared: one class, "default".
	Classes []CallerClass `yaml:"classes" json:"classes,omitempty"`
	// Vars are template variables, {var.NAME} in a request template.
	Vars map[string]string `yaml:"vars" json:"vars,omitempty"`
	// Every makes each caller upload periodically for run.duration, at a
	// seeded phase, each upload moved by up to ±Jitter (periodic.go).
	Every  Duration `yaml:"every" json:"every,omitempty"`
	Jitter Duration `yaml:"jitter" json:"jitter,omitempty"`
	// From takes the callers' names and variables from a CSV file, one row
	// a caller (callersfrom.go).
	From *CallersFrom `yaml:"from" json:"from,omitempty"`
	// Uploads makes callers upload several times each, all their uploads
	// on the arrival's curve (uploads.go).
	Uploads []UploadCount `yaml:"uploads" json:"uploads,omitempty"`
}

// CallerClass is one kind of calling system: its share of the callers
// and what makes it behave differently. A zero field takes the top-level
// callers' value; Retry is merged field by field.
type CallerClass struct {
	Name        string            `yaml:"name" json:"name"` // [a-z0-9_-]+
	Weight      float64           `yaml:"weight" json:"weight"`
	Records     Distribution      `yaml:"records" json:"records"`
	RecordBytes int               `yaml:"record_bytes" json:"record_bytes,omitempty"`
	Timeout     Duration          `yaml:"timeout" json:"timeout,omitempty"`
	Retry       *Retry            `yaml:"retry" json:"retry,omitempty"`
	Vars        map[string]string `yaml:"vars" json:"vars,omitempty"`
}

// Distribution of records per caller: either a fixed number (YAML scalar) or
// log-normal from median and p99, clipped to Max.
type Distribution struct {
	Fixed  int `json:"fixed,omitempty"`
	Median int `json:"median,omitempty"`
	P99    int `json:"p99,omitempty"`
	Max    int `json:"max,omitempty"`
}

// Retry is a caller's client retry policy. Attempts counts all tries
// (1 = no retry).
type Retry struct {
	Attempts int      `yaml:"attempts" json:"attempts"`
	Backoff  Backoff  `yaml:"backoff" json:"backoff"`
	Base     Duration `yaml:"base" json:"base"`
	Max      Duration `yaml:"max" json:"max"`
	Jitter   Jitter   `yaml:"jitter" json:"jitter"`
	On       []string `yaml:"on" json:"on"` // timeout | 5xx | 429 | 4xx | conn | other
	// RetryAfter says whether a 429/503's Retry-After (delta-seconds or an
	// HTTP-date) sets the wait, capped by Max. Default ignore: the seed's
	// naive callers.
	RetryAfter RetryAfter `yaml:"retry_after" json:"retry_after"`
	// Budget caps retries at this fraction of first attempts, per class
	// (0.2: retries add at most 20%). Unset: unlimited.
	Budget Budget `yaml:"budget" json:"budget"`
	// Breaker is a per-caller circuit breaker; nil: none.
	Breaker *Breaker `yaml:"breaker" json:"breaker,omitempty"`
}

// RetryAfter is whether a caller honours the service's Retry-After.
type RetryAfter string

// The Retry-After behaviours a retry policy may name.
const (
	RetryAfterIgnore RetryAfter = "ignore"
	RetryAfterHonor  RetryAfter = "honor"
)

// Budget is a retry budget: retries may add at most Ratio of the class's
// first attempts. Written as a number (0.2) or none; Set is false for
// none or when left out (unlimited).
type Budget struct {
	Ratio float64
	Set   bool

	// none is set when the file says none, so a class's "budget: none"
	// lifts the top-level budget instead of inheriting it.
	none bool
}

// Breaker is a per-caller circuit breaker: after Failures failed attempts
// in a row the caller sends nothing for Open, then one probe; a failed
// probe opens it again.
type Breaker struct {
	Failures int      `yaml:"failures" json:"failures"`
	Open     Duration `yaml:"open" json:"open"`
}

// Backoff is how the wait between a caller's tries grows.
type Backoff string

// The backoff kinds a retry policy may name.
const (
	BackoffNone        Backoff = "none"        // retry at once, like naive clients
	BackoffConstant    Backoff = "constant"    // wait base every time
	BackoffExponential Backoff = "exponential" // base, 2*base, 4*base ... capped at max
)

// Jitter is how a backoff wait is randomised, so callers that failed
// together do not retry together.
type Jitter string

// The jitter kinds a retry policy may name.
const (
	JitterNone  Jitter = "none"  // the wait as computed
	JitterFull  Jitter = "full"  // uniform in [0, wait]
	JitterEqual Jitter = "equal" // wait/2 + uniform in [0, wait/2]
)

// Arrival is when each caller's first attempt is due.
type Arrival struct {
	Profile string   `yaml:"profile" json:"profile"` // burst | ramp | poisson | constant | steps
	Window  Duration `yaml:"window" json:"window"`
	Rate    float64  `yaml:"rate" json:"rate,omitempty"` // callers per second (constant; poisson mean)
	// Steps are the load of profile steps, one stage after another
	// (arrival_steps.go, docs/arrivals.md).
	Steps []ArrivalStep `yaml:"steps" json:"steps,omitempty"`
}

// ArrivalStep is one stage of an arrival in steps: a constant Rate of
// callers a second For a duration (rate 0 is a pause), or a burst of
// Callers spread evenly over Window.
type ArrivalStep struct {
	Rate    float64  `yaml:"rate" json:"rate,omitempty"`
	For     Duration `yaml:"for" json:"for,omitempty"`
	Callers int      `yaml:"callers" json:"callers,omitempty"`
	// Uploads is a step of callers.uploads' curve: its uploads over
	// Window (uploads.go).
	Uploads int      `yaml:"uploads" json:"uploads,omitempty"`
	Window  Duration `yaml:"window" json:"window,omitempty"`
}

// Run bounds the rehearsal in time.
type Run struct {
	MaxDuration  Duration `yaml:"max_duration" json:"max_duration"`   // default 5m (with run.duration: it, plus drain_timeout and a minute)
	DrainTimeout Duration `yaml:"drain_timeout" json:"drain_timeout"` // default 2m
	// Duration is how long periodic callers (callers.every) keep
	// uploading: no upload is due at or after it.
	Duration Duration `yaml:"duration" json:"duration,omitempty"`
}

// Fault is an action on a SUT container at a time into the run.
type Fault struct {
	At     Duration    `yaml:"at" json:"at"`
	Action FaultAction `yaml:"action" json:"action"`
	Target string      `yaml:"target" json:"target"` // sut | lb | replica-N
}

// FaultAction is what a fault does to a SUT container, named as Docker
// names the operation.
type FaultAction string

// The fault actions a scenario may name.
const (
	FaultKill    FaultAction = "kill"
	FaultStop    FaultAction = "stop"
	FaultStart   FaultAction = "start"
	FaultRestart FaultAction = "restart"
	FaultPause   FaultAction = "pause"
	FaultUnpause FaultAction = "unpause"
)

// Strategy is how an upgrade replaces the running SUT.
type Strategy string

// The upgrade strategies a scenario may name.
const (
	// StrategyRolling replaces one replica at a time; the others keep
	// serving.
	StrategyRolling Strategy = "rolling"
	// StrategyRecreate stops every replica, then starts the candidates:
	// the service is down in between.
	StrategyRecreate Strategy = "recreate"
)

// Duration is a time.Duration written as "30s" in YAML and JSON.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ByteSize is a size in bytes written as "256MiB", "1GiB", "512MB" or a plain
// number of bytes.
type ByteSize int64

// Gate is a pass/fail expression over the report's variables, such as
// "p99_ms < 2000", parsed once when the scenario is loaded.
//
// In gates a gate may also be written as a mapping {gate: "...", abort:
// true}: Abort stops the storm as soon as the gate fails on its window
// (gate_abort.go).
type Gate struct {
	Expr  string
	Abort bool

	variable string  // as reports key it: p99_ms, gave_up[erp], error_rate[last 30s]
	class    string  // erp for gave_up[erp]; "" run-wide
	window   *Window // last 30s for error_rate[last 30s]; nil run-wide
	op       string
	value    float64
	mapping  bool // written as {gate, abort}: its text is at path.gate
}

// String is the listing as its one-line form, "GET /path"; "" for none.
func (li *List) String() string {
	if li == nil {
		return ""
	}
	return li.Method + " " + li.Path
}
