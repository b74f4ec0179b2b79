package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestProgressOneClock: during a storm, progress lines and log lines carry
// the storm's elapsed time in one format; outside a storm, lines carry no
// time at all, so no second clock appears.
func TestProgressOneClock(t *testing.T) {
	var errb bytes.Buffer
	a := newApp(&bytes.Buffer{}, &errb)
	sc := &scenarios.Scenario{Name: "tiny"}
	sc.Callers.Count = 1000

	a.logf("run id rh-x")
	live, stop := a.progress("plain", sc)
	live("tiny", reports.Live{Elapsed: 33 * time.Second, CallersDone: 241, CallersTotal: 1000, Sent: 300, OK: 290, Timeouts: 4, Errors: 6, P50Ms: 12, P99Ms: 340})
	a.logf("fault kill sut")
	live("tiny", reports.Live{Elapsed: 34 * time.Second, CallersDone: 250}) // within PlainEvery: no line
	stop()
	a.logf("tiny: PASS")

	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 lines, got:\n%s", errb.String())
	}
	stamp := regexp.MustCompile(`^\[ +3[34]\.\ds\] `)
	if strings.HasPrefix(lines[0], "[") || strings.HasPrefix(lines[3], "[") {
		t.Errorf("a line outside the storm carries a time:\n%s", errb.String())
	}
	for _, l := range lines[1:3] {
		if !stamp.MatchString(l) {
			t.Errorf("line during the storm lacks the storm clock: %q", l)
		}
	}
	if want := "tiny: callers done 241/1000, requests sent 300, ok 290, timeouts 4, errors 6, p50 12 ms, p99 340 ms"; !strings.HasSuffix(lines[1], want) {
		t.Errorf("progress line %q, want it to end in %q", lines[1], want)
	}
}
