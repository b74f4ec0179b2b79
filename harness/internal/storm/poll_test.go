package storm

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// A run stopped before its drain ended (Ctrl-C, or max_duration) calls
// the uploads it did not wait for pending, never lost.
func TestAsyncPendingWhenStoppedBeforeDrainEnds(t *testing.T) {
	long := strings.Replace(asyncScenario, "drain_timeout: 1s", "drain_timeout: 30s", 1)
	for _, c := range []struct {
		name, yaml string
		cancelAt   time.Duration // 0: not cancelled
		stopped    StopReason
	}{
		{"interrupted", long, 2 * time.Second, StopInterrupted},
		{"max_duration", strings.Replace(long, "run: {", "run: {max_duration: 2s, ", 1), 0, StopMaxDuration},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &asyncServer{never: func(i int) bool { return i%7 == 0 }}
			srv := httptest.NewServer(s.handler())
			defer srv.Close()
			ctx := t.Context()
			if c.cancelAt > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.cancelAt)
				defer cancel()
			}
			t0 := time.Now()
			rep, st := run(ctx, t, scenario(t, srv.URL, c.yaml), srv.URL)
			if took := time.Since(t0); st.Stopped != c.stopped || took > 5*time.Second {
				t.Fatalf("stopped %q after %s", st.Stopped, took)
			}
			if a := rep.Async; a == nil || a.Accepted != 70 || a.Pending != 10 || a.Lost != 0 || a.Completed != 60 {
				t.Fatalf("async %+v", a)
			}
		})
	}
}

// Uploads the service never finishes hold up no other: with two pollers
// and ten uploads stuck, the other twenty are still seen done.
func TestStuckUploadsDoNotBlockPolls(t *testing.T) {
	s := &asyncServer{never: func(i int) bool { return i%3 == 0 }}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 30, records: 2}\narrival: {profile: burst, window: 100ms}\nrun: {drain_timeout: 1500ms}\n")
	agg := reports.NewAggregator(time.Now())
	if _, err := Run(t.Context(), sc, Options{Target: srv.URL, Aggregator: agg, Pollers: 2}); err != nil {
		t.Fatal(err)
	}
	if a := agg.Finish(time.Now()).Async; a == nil || a.Accepted != 30 || a.Completed != 20 || a.Lost != 10 || a.Pending != 0 {
		t.Fatalf("async %+v", a)
	}
}

// api.completion auto (the default) follows a 202 with a Location as
// location does; none follows nothing and counts the 202s it left.
func TestCompletionModes(t *testing.T) {
	s := &asyncServer{never: func(i int) bool { return i%5 == 0 }}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	const callers = "callers: {count: 20, records: 2}\narrival: {profile: burst, window: 100ms}\nrun: {drain_timeout: 1s}\n"

	rep, _ := run(t.Context(), t, scenario(t, srv.URL, callers), srv.URL)
	if a := rep.Async; a == nil || a.Accepted != 20 || a.Completed != 16 || a.Lost != 4 || rep.AsyncUntracked != 0 {
		t.Fatalf("auto: async %+v untracked %d", a, rep.AsyncUntracked)
	}
	rep, _ = run(t.Context(), t, scenario(t, srv.URL, "api: {completion: none}\n"+callers), srv.URL)
	if rep.Async != nil || rep.AsyncUntracked != 20 || rep.Callers.Succeeded != 20 {
		t.Fatalf("none: async %+v untracked %d callers %+v", rep.Async, rep.AsyncUntracked, rep.Callers)
	}
	if _, ok := reports.Variables(rep)["lost"]; ok {
		t.Fatal("none: lost is measured although 202s were not followed")
	}
}

func TestPollWait(t *testing.T) {
	for polls, want := range map[int32]time.Duration{1: pollFirst, 2: 2 * pollFirst, 3: 4 * pollFirst, 5: 16 * pollFirst, 6: pollMax, 1000: pollMax} {
		if got := pollWait(polls); got != want {
			t.Errorf("pollWait(%d) = %s, want %s", polls, got, want)
		}
	}
}

// drainView records what the tracker's progress hands the aggregator.
type drainView struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (d *drainView) AsyncProgress(accepted, done int64) {
	d.mu.Lock()
	d.calls = append(d.calls, [2]int64{accepted, done})
	d.mu.Unlock()
}

// Drain progress reaches the aggregator when the counts changed, at most
// every progressEvery, and once more at the end.
func TestDrainProgressIsThrottled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		trk := newTracker(t.Context())
		view := &drainView{}
		quit, done := make(chan struct{}), make(chan struct{})
		go func() { defer close(done); trk.progress(view, quit) }()
		for i := range 20 { // 20 acceptances within one tick: one call
			trk.add(i, 0)
		}
		time.Sleep(progressEvery + time.Millisecond)
		time.Sleep(3 * progressEvery) // nothing changed: no call
		trk.ended.Add(5)
		time.Sleep(progressEvery)
		trk.ended.Add(1)
		close(quit)
		<-done
		want := [][2]int64{{20, 0}, {20, 5}, {20, 6}}
		if fmt.Sprint(view.calls) != fmt.Sprint(want) {
			t.Fatalf("progress calls %v, want %v", view.calls, want)
		}
	})
}

// While uploads are followed after the storm the aggregator is in its
// drain phase, and its live counts end where the report's do.
func TestDrainReachesTheLiveView(t *testing.T) {
	s := &asyncServer{never: func(i int) bool { return i%7 == 0 }}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	start := time.Now()
	agg := reports.NewAggregator(start)
	stop, sawDrain := make(chan struct{}), make(chan bool)
	go func() {
		saw := false
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				saw = saw || agg.Snapshot().Phase == reports.PhaseDrain
			case <-stop:
				sawDrain <- saw
				return
			}
		}
	}()
	_, err := Run(t.Context(), scenario(t, srv.URL, asyncScenario), Options{Target: srv.URL, Start: start, Aggregator: agg})
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	if !<-sawDrain {
		t.Error("the live view never showed the drain phase")
	}
	if l := agg.Snapshot(); l.Accepted != 70 || l.Done != 60 || l.Pending != 10 {
		t.Fatalf("live accepted %d done %d pending %d", l.Accepted, l.Done, l.Pending)
	}
}

// TestForeignLocationIsUntrackedNotLost: a 202 whose Location points at
// another host is not followed (load goes to the target only), and its
// fate is unknown: untracked, never counted as lost.
func TestForeignLocationIsUntrackedNotLost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", "http://elsewhere.invalid/v1/uploads/1")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	sc := scenario(t, srv.URL, "callers: {count: 12, records: 2}\narrival: {profile: burst, window: 100ms}\n")
	rep, _ := run(t.Context(), t, sc, srv.URL)
	if rep.AsyncUntracked != 12 || (rep.Async != nil && rep.Async.Lost != 0) {
		t.Fatalf("untracked %d async %+v", rep.AsyncUntracked, rep.Async)
	}
}
