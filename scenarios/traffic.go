package scenarios

import (
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Traffic replays callers' logged traffic (docs/traffic.md): a trace written
// by `rehearse import` from access logs. Each caller of the trace sends
// its uploads at their logged offsets divided by Speed, with bodies of the
// logged size; retries follow the scenario's client behaviour, not the
// old log's.
//
//	traffic: {replay: access.trace.jsonl.gz, speed: 10}
type Traffic struct {
	// Replay is the trace file, relative to the scenario file's folder.
	Replay string `yaml:"replay" json:"replay"`
	// Speed divides every logged offset: 10 replays an hour in six
	// minutes. Default DefaultSpeed; must be > 0.
	Speed float64 `yaml:"speed" json:"speed"`
	// Retries says what becomes of logged uploads that look like retries
	// of a failed one: drop (default: they answered the old system; the
	// scenario's callers.retry retries instead) or keep (replay them as
	// logged uploads too).
	Retries string `yaml:"retries" json:"retries,omitempty"`
}

// DefaultSpeed is a replay's speed when traffic.speed is left out: the
// log's own pace.
const DefaultSpeed = 1.0

// MaxSpeed bounds traffic.speed: beyond it a day's log arrives in under a
// second and the replay says nothing about arrival times.
const MaxSpeed = 100_000.0

// ReplayPath is the trace file of s: traffic.replay resolved against the
// folder of the scenario file (the working directory for a built-in
// scenario); "" when s replays nothing.
func (s *Scenario) ReplayPath() string {
	if s.Traffic == nil || s.Traffic.Replay == "" {
		return ""
	}
	p := s.Traffic.Replay
	if filepath.IsAbs(p) || s.File == "" || strings.HasPrefix(s.File, "builtin:") {
		return p
	}
	return filepath.Join(filepath.Dir(s.File), p)
}

// validateTraffic fills traffic.speed's default, then checks the key: a
// trace file that exists and a speed > 0. The trace's content (its
// version, its callers) is read when the replay starts.
func (s *Scenario) validateTraffic(l *locator) {
	t := s.Traffic
	if t == nil {
		return
	}
	if t.Speed == 0 {
		t.Speed = DefaultSpeed
	}
	if t.Retries == "" {
		t.Retries = "drop"
	}
	if t.Retries != "drop" && t.Retries != "keep" {
		l.add("traffic.retries", "must be drop (the default: the scenario's callers.retry retries) or keep, got %q", t.Retries)
	}
	if !(t.Speed > 0 && t.Speed <= MaxSpeed) || math.IsInf(t.Speed, 0) {
		l.add("traffic.speed", "must be > 0 and at most %g (10 replays the log ten times faster), got %g", MaxSpeed, t.Speed)
	}
	if t.Replay == "" {
		l.add("traffic.replay", "required: a trace written by `rehearse import` (relative to this file)")
		return
	}
	p := s.ReplayPath()
	if st, err := os.Stat(p); err != nil {
		l.add("traffic.replay", "no trace at %s (write one with `rehearse import --out %s LOG...`)", p, filepath.Dir(p))
	} else if st.IsDir() {
		l.add("traffic.replay", "%s is a folder, want a trace file (*.trace.jsonl.gz)", p)
	}
}
