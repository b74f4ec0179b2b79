package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// CapacitySchema is the value of Capacity.Schema (docs/capacity.md).
const CapacitySchema = "rehearse.capacity/v1"

// What a capacity search varies (Capacity.By).
const (
	ByCallers = "callers" // callers.count, the arrival window kept: denser storms
	ByRate    = "rate"    // arrival.rate of a constant or poisson arrival, its duration kept
)

// Failure modes of the first failing level (Capacity.FailureMode).
const (
	ModeShedding = "shedding" // 429/503 rose, goodput held
	ModeSlowdown = "slowdown" // timeouts or latency rose, goodput held
	ModeCollapse = "collapse" // goodput fell below a lower level's, or the service crashed
	ModeLoss     = "loss"     // accepted work was lost
	ModeNone     = "none"     // no level failed
)

// Why a capacity search ended (Capacity.Stopped).
const (
	StopPrecision   = "precision"   // the bracket is within the precision
	StopMax         = "max"         // --max passed
	StopBudget      = "budget"      // --budget spent
	StopGenerator   = "generator"   // the generator could not offer the next level
	StopInterrupted = "interrupted" // Ctrl-C
	StopError       = "error"       // a probe could not run (environment)
	StopNoPass      = "no pass"     // even the lowest level failed
)

// Capacity is the answer of `rehearse capacity`: the largest level at
// which every gate of the scenario held, the bracket it lies in, how the
// service failed above it, and every probe that was run. Fields that were
// not measured are null, never 0.
type Capacity struct {
	Schema   string `json:"schema"`
	Scenario string `json:"scenario"`
	By       string `json:"by"`
	Unit     string `json:"unit"` // "callers" | "callers/s"
	// Capacity is the highest level that passed below the lowest failing
	// one (Bracket.Pass); null when none passed. With GeneratorLimited or
	// StopMax it is a lower bound.
	Capacity  *int    `json:"capacity"`
	Bracket   Bracket `json:"bracket"`
	Precision float64 `json:"precision"`
	// Answer is the result as one sentence for people.
	Answer          string  `json:"answer"`
	FailureMode     string  `json:"failure_mode"`
	FirstFailedGate *string `json:"first_failed_gate"`
	// GeneratorLimited is true when a level could not be measured because
	// the generator saturated or failed twice: the capacity is "≥".
	GeneratorLimited bool            `json:"generator_limited"`
	Stopped          string          `json:"stopped"`
	Repeat           int             `json:"repeat"`
	Levels           []CapacityLevel `json:"levels"`
	Probes           []CapacityProbe `json:"probes"`
	Recovery         *Recovery       `json:"recovery"`
	StartedAt        time.Time       `json:"started_at"`
	DurationS        float64         `json:"duration_s"`
	Notes            []string        `json:"notes"`
}

// Bracket is [highest pass, lowest fail]; either is null when no level
// of its kind was found.
type Bracket struct {
	Pass *int `json:"pass"`
	Fail *int `json:"fail"`
}

// CapacityLevel is every valid run of one level: it passes only when all
// of them passed; one that passed sometimes is unstable.
type CapacityLevel struct {
	Level     int     `json:"level"`
	Runs      int     `json:"runs"`
	Passes    int     `json:"passes"`
	PassRatio float64 `json:"pass_ratio"`
	Unstable  bool    `json:"unstable"`
	Invalid   int     `json:"invalid"` // runs the generator spoilt, not counted in Runs
}

// Passed reports whether every valid run of the level passed.
func (l CapacityLevel) Passed() bool { return l.Runs > 0 && l.Passes == l.Runs }

// CapacityProbe is one full rehearsal at one level, on a fresh SUT.
type CapacityProbe struct {
	N       int     `json:"n"` // 1-based, in the order run
	Level   int     `json:"level"`
	Verdict Verdict `json:"verdict"`
	// Valid is false when the generator saturated or made errors of its
	// own: the probe says nothing about the service and is never a fail.
	Valid       bool     `json:"valid"`
	Invalid     string   `json:"invalid_reason,omitempty"`
	GatesFailed []string `json:"gates_failed"`
	OfferedRPS  *float64 `json:"offered_rps"` // first attempts per second of the arrival
	GoodputRPS  *float64 `json:"goodput_rps"` // callers that succeeded per second of the run
	P99Ms       *float64 `json:"p99_ms"`      // of the successful attempts
	Timeouts    int64    `json:"timeouts"`
	HTTP429     int64    `json:"http_429"`
	HTTP503     int64    `json:"http_503"`
	Crashes     *int64   `json:"crashes"` // null: no crash watch
	Lost        *int64   `json:"lost"`    // null: not measured
	RunDir      string   `json:"run_dir"` // relative to capacity.json
	DurationS   float64  `json:"duration_s"`
}

// Recovery is the probe after the search: the first failing level
// (From), then the offered load dropped to Level for ForS seconds.
// RecoveredS is the seconds from the drop until goodput held 95% of the
// offered load for 5 s with no crash, null when it never did (then Text
// says "did not recover"); Amplification is attempts / first attempts
// during the drop, null when nothing was offered.
type Recovery struct {
	Level         int      `json:"level"`
	From          int      `json:"from"`
	ForS          float64  `json:"for_s"`
	RecoveredS    *float64 `json:"recovered_s"`
	Amplification *float64 `json:"amplification"`
	Text          string   `json:"text"`
	RunDir        string   `json:"run_dir"`
}

// WriteCapacityJSON writes c as indented JSON.
func WriteCapacityJSON(w io.Writer, c *Capacity) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("write capacity.json: %w", err)
	}
	return nil
}

// ReadCapacityJSON reads a capacity.json; it must carry CapacitySchema.
func ReadCapacityJSON(r io.Reader) (*Capacity, error) {
	var c Capacity
	if err := json.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("read capacity.json: %w", err)
	}
	if c.Schema != CapacitySchema {
		return nil, fmt.Errorf("read capacity.json: schema %q, want %q", c.Schema, CapacitySchema)
	}
	return &c, nil
}

// Commas writes n with thousands separators: 1,400.
func Commas[T int | int64](n T) string {
	if n < 0 {
		return "-" + Commas(-n)
	}
	s := strconv.FormatInt(int64(n), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// LevelText is a level with its unit: "1,400 callers", "250 callers/s".
func (c *Capacity) LevelText(level int) string { return Commas(level) + " " + c.Unit }

// BracketText is "[1,200, 1,600]", a side not found written as "none".
func BracketText(b Bracket) string {
	side := func(p *int) string {
		if p == nil {
			return "none"
		}
		return Commas(*p)
	}
	return "[" + side(b.Pass) + ", " + side(b.Fail) + "]"
}

// PercentText writes a fraction as a percentage without needless
// decimals: 0.05 is "5%", 0.025 "2.5%".
func PercentText(f float64) string { return strconv.FormatFloat(100*f, 'g', 4, 64) + "%" }
