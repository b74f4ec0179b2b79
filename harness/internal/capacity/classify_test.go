package capacity

import (
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
)

// TestFailureModes: each fake service's way of failing is named from the
// probes, the first failing gate with it.
func TestFailureModes(t *testing.T) {
	for mode, gate := range map[string]string{
		reports.ModeShedding: "http_429 == 0", reports.ModeSlowdown: "timeouts == 0",
		reports.ModeCollapse: "gave_up == 0", reports.ModeLoss: "lost == 0",
	} {
		c := search(t, newService(500, mode), Config{From: 100, Repeat: 1})
		if c.FailureMode != mode || c.FirstFailedGate == nil || *c.FirstFailedGate != gate {
			t.Errorf("%s: got %s, gate %v", mode, c.FailureMode, c.FirstFailedGate)
		}
	}
}

// TestCrashIsCollapse: a crash at the failing level is a collapse even
// when answers were also shed.
func TestCrashIsCollapse(t *testing.T) {
	good, one := 10.0, int64(1)
	lower := reports.CapacityProbe{Level: 100, Valid: true, Verdict: reports.VerdictPass, GoodputRPS: &good}
	failing := reports.CapacityProbe{Level: 200, Valid: true, Verdict: reports.VerdictFail, GoodputRPS: &good, HTTP429: 40, Crashes: &one}
	fail := 200
	if m := Classify([]reports.CapacityProbe{lower, failing}, &fail); m != reports.ModeCollapse {
		t.Fatalf("mode %s", m)
	}
	failing.Crashes = nil // not measured is not a crash
	if m := Classify([]reports.CapacityProbe{lower, failing}, &fail); m != reports.ModeShedding {
		t.Fatalf("mode %s", m)
	}
	if m := Classify(nil, nil); m != reports.ModeNone {
		t.Fatalf("no fail: %s", m)
	}
}
