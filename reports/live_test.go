package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSnapshotDrainAndQueue(t *testing.T) {
	a := NewAggregator(time.Now())
	a.SetPlanned(10)
	if l := a.Snapshot(); l.Phase != PhaseStorm || l.QueueDepth != nil {
		t.Fatalf("start: %+v", l)
	}
	a.AddAttempt(Attempt{Caller: 0, Try: 1, Class: GenOutOfFiles})
	a.AddSample(Sample{At: time.Second, Container: "a", QueueDepth: 5})
	a.AddSample(Sample{At: time.Second, Container: "b", QueueDepth: -1}) // exposes no queue
	a.AddSample(Sample{At: 2 * time.Second, Container: "a", QueueDepth: 7})
	a.AddSample(Sample{At: 2 * time.Second, Container: "c", QueueDepth: 3})
	a.AddSample(Sample{At: 1500 * time.Millisecond, Container: "a", QueueDepth: 100}) // older than a's last
	a.SetPhase(PhaseDrain)
	a.AsyncProgress(950, 700)
	l := a.Snapshot()
	if l.Phase != PhaseDrain || l.Accepted != 950 || l.Done != 700 || l.Pending != 250 || l.GeneratorErrors != 1 {
		t.Fatalf("drain: %+v", l)
	}
	if l.QueueDepth == nil || *l.QueueDepth != 10 {
		t.Fatalf("queue depth %v, want 7+3", l.QueueDepth)
	}
	// A container replaced long ago stops counting.
	a.AddSample(Sample{At: 20 * time.Second, Container: "d", QueueDepth: 1})
	if l := a.Snapshot(); *l.QueueDepth != 1 {
		t.Fatalf("stale queue counted: %d", *l.QueueDepth)
	}
}

// TestProgressOneClockLabelledCounts: each plain line carries one clock
// (seconds since the storm started) and labelled counts; the drain prints
// at once, with accepted, done, pending and the queue.
func TestProgressOneClockLabelledCounts(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, false, 1000)
	q := int64(180)
	p.Update(Live{Elapsed: 33600 * time.Millisecond, Sent: 1200, OK: 1100, Timeouts: 3, Errors: 2, CallersDone: 241, CallersTotal: 1000, P50Ms: ptr(20.0), P99Ms: ptr(80.0)})
	p.Update(Live{Elapsed: 34 * time.Second, CallersDone: 242}) // within PlainEvery: not printed
	p.Update(Live{Elapsed: 95 * time.Second, Phase: PhaseDrain, Accepted: 950, Done: 700, Pending: 250, QueueDepth: &q})
	p.Close()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"[storm+  33.6s] callers done 241/1000  sent 1200  ok 1100  timeouts 3  errors 2  latency (successful) p50 20 ms  p99 80 ms",
		"[storm+  95.0s] drain: accepted 950 done 700 pending 250 queue 180",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), strings.Join(want, "\n"))
	}
	clocks := regexp.MustCompile(`\d+(\.\d+)?s\b`)
	for _, l := range lines {
		if n := len(clocks.FindAllString(l, -1)); n != 1 {
			t.Errorf("%d clocks on %q", n, l)
		}
	}
}
