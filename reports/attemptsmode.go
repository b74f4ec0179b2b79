package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// What a run keeps in its attempt log (--attempts, docs/attempts.md).
const (
	AttemptsAll    = "all"    // every attempt (the default)
	AttemptsSample = "sample" // every attempt of a seeded sample of callers
	AttemptsNone   = "none"   // no attempt log
)

// AttemptsMode is what a run keeps in its attempt log: all, none, or the
// attempts of a share of the callers (Percent, above 0 and at most 100).
// The zero value is AttemptsAll.
type AttemptsMode struct {
	Kind    string
	Percent float64
}

// ParseAttemptsMode reads --attempts: "all", "none" or "sample:P%" with P
// above 0 and at most 100 ("sample:1%", "sample:0.5%").
func ParseAttemptsMode(s string) (AttemptsMode, error) {
	switch s {
	case AttemptsAll, "":
		return AttemptsMode{Kind: AttemptsAll}, nil
	case AttemptsNone:
		return AttemptsMode{Kind: AttemptsNone}, nil
	}
	p, ok := strings.CutPrefix(s, AttemptsSample+":")
	num, pct := strings.CutSuffix(p, "%")
	v, err := strconv.ParseFloat(num, 64)
	if !ok || !pct || err != nil || !(v > 0 && v <= 100) {
		return AttemptsMode{}, fmt.Errorf("--attempts must be all, none or sample:P%% with P above 0 and at most 100 (sample:1%%), got %q", s)
	}
	return AttemptsMode{Kind: AttemptsSample, Percent: v}, nil
}

// String is the mode as --attempts takes it.
func (m AttemptsMode) String() string {
	switch m.Kind {
	case AttemptsSample:
		return AttemptsSample + ":" + strconv.FormatFloat(m.Percent, 'f', -1, 64) + "%"
	case AttemptsNone:
		return AttemptsNone
	}
	return AttemptsAll
}

// Sampled reports whether the mode keeps only a sample of the callers.
func (m AttemptsMode) Sampled() bool { return m.Kind == AttemptsSample && m.Percent < 100 }

// AttemptsLog is the report's attempts_log: what the run's attempt log
// holds. Reports written before it was recorded have none (nil): their
// attempts.csv, when there is one, holds every attempt.
type AttemptsLog struct {
	// Mode is all, sample or none (--attempts).
	Mode string `json:"mode"`
	// SamplePercent and SampleSeed, for a sample only: the share of the
	// callers whose attempts were kept, every one of them, and the seed
	// that chose them (the run's seed).
	SamplePercent *float64 `json:"sample_percent,omitempty"`
	SampleSeed    *int64   `json:"sample_seed,omitempty"`
	// File is the log's name in the run folder (attempts.csv.gz or
	// attempts.csv); empty when no log was written.
	File string `json:"file,omitempty"`
	// Attempts are the lines written; nil when not counted (a log found
	// beside a report that did not record it).
	Attempts *int64 `json:"attempts"`
}

// Sampled reports whether the log holds a sample of the callers only.
func (l *AttemptsLog) Sampled() bool {
	return l != nil && l.Mode == AttemptsSample && l.SamplePercent != nil && *l.SamplePercent < 100
}

// SampleText says what a sampled log holds, for notes: "a 1% sample of
// the callers (seed 42), every attempt of each".
func (l *AttemptsLog) SampleText() string {
	if !l.Sampled() {
		return "every attempt"
	}
	seed := "seed not recorded"
	if l.SampleSeed != nil {
		seed = "seed " + strconv.FormatInt(*l.SampleSeed, 10)
	}
	return fmt.Sprintf("a %s%% sample of the callers (%s), every attempt of each",
		strconv.FormatFloat(*l.SamplePercent, 'f', -1, 64), seed)
}

// callerSampler keeps a caller when a hash of the seed and its index falls
// below its share: the same seed keeps the same callers, in one process or
// split over shards (caller indexes are global), whatever the timing.
type callerSampler struct {
	seed      uint64
	threshold uint64 // keep when hash < threshold
	all       bool
}

func newCallerSampler(seed int64, percent float64) callerSampler {
	if percent >= 100 {
		return callerSampler{all: true}
	}
	return callerSampler{seed: uint64(seed), threshold: uint64(percent / 100 * math.MaxUint64)}
}

// keep reports whether caller c is in the sample.
func (s callerSampler) keep(c int32) bool {
	return s.all || splitmix64(s.seed^(uint64(uint32(c))*0x9e3779b97f4a7c15)) < s.threshold
}

// splitmix64 is the finaliser of SplitMix64: a fast, well-mixed 64-bit hash.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
