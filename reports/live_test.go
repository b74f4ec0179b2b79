package reports

import (
	"bytes"
	"io"
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
	p.Update(Live{Elapsed: 33600 * time.Millisecond, Sent: 1200, OK: 1100, Timeouts: 3, Errors: 2, CallersDone: 241, CallersTotal: 1000, P50Ms: new(20.0), P99Ms: new(80.0)})
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

// TestProgressLatencyIsOfSuccesses: the progress line's latency is the
// successful attempts', and before the first one it says so, not 0 ms.
func TestProgressLatencyIsOfSuccesses(t *testing.T) {
	p := NewProgress(io.Discard, false, 10)
	p.live = Live{Phase: PhaseStorm, Sent: 10, Errors: 10}
	if got := p.counts(); !strings.HasSuffix(got, "latency (successful) none yet") {
		t.Errorf("no success yet: %q", got)
	}
	a := NewAggregator(T0)
	a.AddAttempt(Attempt{Try: 1, Latency: time.Millisecond, Status: 503, Class: ClassHTTP5xx})
	if l := a.Snapshot(); l.P50Ms != nil || l.P99Ms != nil {
		t.Errorf("snapshot latency of a 503: %v %v", *l.P50Ms, *l.P99Ms)
	}
	a.AddAttempt(Attempt{Try: 1, Latency: 40 * time.Millisecond, Status: 200})
	if l := a.Snapshot(); !Near(l.P50Ms, 40) {
		t.Errorf("snapshot p50 %v, want the 200's 40 ms", l.P50Ms)
	}
}
