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
// the storm's elapsed time in one form; outside a storm, lines carry no
// time at all, so no second clock appears. Counts are labelled, and the
// drain shows accepted, done, pending and queue depth.
func TestProgressOneClock(t *testing.T) {
	var errb bytes.Buffer
	a := newApp(&bytes.Buffer{}, &errb)
	sc := &scenarios.Scenario{Name: "tiny"}
	sc.Callers.Count = 1000
	depth := int64(37)

	a.logf("run id rh-x")
	live, stop := a.progress("plain", sc)
	live("tiny", reports.Live{Elapsed: 33 * time.Second, CallersDone: 241, CallersTotal: 1000, Sent: 300})
	a.logf("fault kill sut")
	live("tiny", reports.Live{Elapsed: 34 * time.Second, Phase: reports.PhaseDrain, CallersDone: 1000, CallersTotal: 1000,
		Accepted: 950, Done: 700, Pending: 250, QueueDepth: &depth})
	stop()
	a.logf("tiny: PASS")

	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 lines, got:\n%s", errb.String())
	}
	if strings.HasPrefix(lines[0], "[") || strings.HasPrefix(lines[4], "[") {
		t.Errorf("a line outside the storm carries a time:\n%s", errb.String())
	}
	stamp := regexp.MustCompile(`^\[[a-z+]*\s*(\d+)\.\ds\] `)
	var form string
	for _, l := range lines[1:4] {
		m := stamp.FindStringSubmatch(l)
		if m == nil || (m[1] != "33" && m[1] != "34") {
			t.Errorf("line during the storm lacks the storm clock: %q", l)
			continue
		}
		if f := regexp.MustCompile(`\d`).ReplaceAllString(m[0], "9"); form == "" {
			form = f
		} else if f != form {
			t.Errorf("two clock forms: %q and %q", form, f)
		}
	}
	for _, want := range []string{"callers done 241/1000", "accepted 950", "done 700", "pending 250", "queue 37"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, errb.String())
		}
	}
}
