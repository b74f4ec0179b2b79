package reports

import (
	"testing"
	"time"
)

// storm feeds 25 attempts a second for secs seconds, those of the seconds
// in late leaving 36 ms behind their intended time.
func lagStorm(secs int, late map[int]bool) *Report {
	a := NewAggregator(time.Now())
	for s := range secs {
		for i := range 25 {
			at := time.Duration(s)*time.Second + time.Duration(i)*40*time.Millisecond
			sent := at
			if late[s] {
				sent += 36 * time.Millisecond
			}
			a.AddAttempt(Attempt{Caller: int32(s*25 + i), Try: 1, Intended: at, Sent: sent, Latency: time.Millisecond, Status: 200})
		}
	}
	return a.Finish(time.Now())
}

// A replay at 25 uploads/s whose late attempts all fell in one second is
// not saturated: that second is a stall, listed with its time (the lag
// p99 alone, 36 ms, would have called it saturated).
func TestOneLateSecondIsAStall(t *testing.T) {
	r := lagStorm(60, map[int]bool{41: true})
	g := r.Generator
	if g.Saturated || len(g.Stalls) != 1 || g.Stalls[0].AtS != 41 || g.Stalls[0].Late != 25 || g.Stalls[0].MaxLagMs < 35 {
		t.Fatalf("generator %+v", g)
	}
}

// Lag sustained over three seconds in a row is saturation; so is a short
// storm late for half of it or more.
func TestSustainedLagIsSaturation(t *testing.T) {
	if g := lagStorm(60, map[int]bool{10: true, 11: true, 12: true}).Generator; !g.Saturated || len(g.Stalls) != 0 {
		t.Fatalf("three late seconds in a row: %+v", g)
	}
	if g := lagStorm(60, map[int]bool{10: true, 12: true, 14: true}).Generator; g.Saturated || len(g.Stalls) != 3 {
		t.Fatalf("three stalls apart: %+v", g)
	}
	if g := lagStorm(2, map[int]bool{1: true}).Generator; !g.Saturated {
		t.Fatalf("a 2-second storm late for one: %+v", g)
	}
	if g := lagStorm(60, nil).Generator; g.Saturated || len(g.Stalls) != 0 {
		t.Fatalf("on time: %+v", g)
	}
}

// A late attempt here and there — a busy machine's scheduling, 1 of a
// second's 12 — is neither saturation nor a stall, however many seconds
// have one.
func TestScatteredLateAttemptsAreNoise(t *testing.T) {
	a := NewAggregator(time.Now())
	for s := range 20 {
		for i := range 12 {
			at := time.Duration(s)*time.Second + time.Duration(i)*80*time.Millisecond
			sent := at
			if i == 5 {
				sent += 16 * time.Millisecond
			}
			a.AddAttempt(Attempt{Caller: int32(s*12 + i), Try: 1, Intended: at, Sent: sent, Latency: time.Millisecond, Status: 200})
		}
	}
	if g := a.Finish(time.Now()).Generator; g.Saturated || len(g.Stalls) != 0 {
		t.Fatalf("generator %+v", g)
	}
}
