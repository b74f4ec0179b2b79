package reports

import (
	"testing"
	"time"
)

// TestWindowFigures: a step's and a window's figures are the seconds they
// cover, each attempt counted where it was sent and its ok answer where
// it came; a window nothing was sent in measures no ratio.
func TestWindowFigures(t *testing.T) {
	a := NewAggregator(T0)
	// Seconds 0-9: 10 first attempts a second, all ok in 20 ms. Seconds
	// 10-14: 10 first attempts a second, half of them 503 with a retry
	// each that is ok in 100 ms.
	caller := int32(0)
	for s := range 15 {
		for i := range 10 {
			sent := time.Duration(s)*time.Second + time.Duration(i)*100*time.Millisecond
			at := Attempt{Caller: caller, Try: 1, Intended: sent, Sent: sent, Latency: 20 * time.Millisecond, Status: 200}
			if s >= 10 && i%2 == 0 {
				at.Status, at.Class = 503, ClassHTTP5xx
				a.AddAttempt(at)
				at = Attempt{Caller: caller, Try: 2, Intended: sent + 30*time.Millisecond, Sent: sent + 30*time.Millisecond, Latency: 100 * time.Millisecond, Status: 200}
			}
			a.AddAttempt(at)
			caller++
		}
	}
	a.SetArrivalSteps([]ArrivalStepReport{{Step: 1, Label: "10/s for 10s", Callers: 100}, {Step: 2, Label: "10/s for 5s", Callers: 50}},
		[]WindowSpec{{Kind: WindowSpan, To: 10 * time.Second}, {Kind: WindowSpan, From: 10 * time.Second, To: 15 * time.Second}})
	a.SetWindows([]WindowSpec{{Name: "last 5s", Kind: WindowLast, D: 5 * time.Second}, {Name: "after 12s", Kind: WindowAfter, D: 12 * time.Second},
		{Name: "after 30s", Kind: WindowAfter, D: 30 * time.Second}, {Name: "during upgrade", Kind: WindowUpgrade}})
	r := a.Finish(T0.Add(15 * time.Second))
	if len(r.ArrivalSteps) != 2 || len(r.Windows) != 2 {
		t.Fatalf("steps %+v windows %+v", r.ArrivalSteps, r.Windows)
	}
	s1, s2 := r.ArrivalSteps[0], r.ArrivalSteps[1]
	if s1.Requests != 100 || s1.OK != 100 || *s1.ErrorRate != 0 || *s1.GoodputRatio != 1 || !near1(*s1.P99Ms, 20) || s1.FromS != 0 || s1.ToS != 10 {
		t.Errorf("step 1: %+v", s1.WindowFigures)
	}
	if s2.Requests != 75 || s2.OK != 50 || s2.Errors != 25 || s2.Offered != 50 || *s2.ErrorRate != 0.333333 || *s2.Amplification != 1.5 || !near1(*s2.P99Ms, 100) {
		t.Errorf("step 2: %+v", s2.WindowFigures)
	}
	last := r.Windows[0]
	if last.Window != "last 5s" || last.FromS != 10 || last.ToS != 15 || last.Requests != 75 {
		t.Errorf("last 5s: %+v", last)
	}
	v := Variables(r)
	for name, want := range map[string]float64{"error_rate[step 2]": 0.333333, "p99_ms[step 1]": 20, "requests[after 12s]": 45,
		"goodput_ratio[last 5s]": 1, "ok[step 1]": 100} {
		if got, ok := v[name]; !ok || !near1(got, want) {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
	for name, want := range map[string]string{
		"p99_ms[after 30s]":        "not measured (the run never reached its after 30s)",
		"timeouts[during upgrade]": "not measured (the upgrade did not begin)",
	} {
		if got := MissingReason(r, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// A running storm's window: the seconds that ended by asOf.
	f, state := a.Window(WindowSpec{Kind: WindowLast, D: 3 * time.Second}, 12500*time.Millisecond)
	if state != WindowWhole || f.FromS != 9 || f.ToS != 12 || f.Requests != 10+15+15 {
		t.Errorf("live last 3s at 12.5 s: %+v", f)
	}
	if _, state := a.Window(WindowSpec{Kind: WindowAfter, D: 12 * time.Second}, 12*time.Second); state != WindowNotBegun {
		t.Error("after 12s has begun at 12 s with no second of it ended")
	}
	if _, state := a.Window(WindowSpec{Kind: WindowSpan, From: 10 * time.Second, To: 15 * time.Second}, 14*time.Second); state != WindowOpen {
		t.Errorf("step 2 at 14 s: %v, want open", state)
	}
	if _, state := a.Window(WindowSpec{Kind: WindowSpan, From: 10 * time.Second, To: 15 * time.Second}, 15*time.Second); state != WindowWhole {
		t.Errorf("step 2 at 15 s: %v, want whole", state)
	}
}

// near1: within the 1% of the timeline's per-second histograms (two
// significant digits).
func near1(got, want float64) bool { return got >= want*0.99 && got <= want*1.01 }
