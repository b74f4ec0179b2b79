package reports

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// asyncReport folds accepted uploads ending as states say, and the polls.
func asyncReport(states []AsyncState, polls PollStats) *Report {
	agg := NewAggregator(time.Unix(0, 0))
	for i, s := range states {
		agg.AddCaller(CallerOutcome{Caller: int32(i), Attempts: 1, Accepted: 1, AsyncState: s, Succeeded: s == StateDone, GaveUp: s == StateFailed})
	}
	agg.SetPolls(polls)
	return agg.Finish(time.Unix(10, 0))
}

// TestLostIsItsParts: lost is failed + vanished + unfinished, each shown,
// and the note says it is the callers' view.
func TestLostIsItsParts(t *testing.T) {
	r := asyncReport([]AsyncState{StateDone, StateFailed, StateVanished, StateVanished, StateUnfinished, StateLost, StatePending},
		PollStats{Total: 20, Errors: map[string]int64{"404": 6}, Example: "GET /v2/operations/op-3 answered 404"})
	a := r.Async
	if a.Lost != 5 || a.Failed != 1 || a.Vanished != 2 || a.Unfinished != 2 || a.Pending != 1 || a.NotMeasured != "" {
		t.Fatalf("async %+v", a)
	}
	if got := a.LostText(); got != "5 (1 failed, 2 vanished, 2 unfinished)" {
		t.Fatalf("lost shown as %q", got)
	}
	if v := Variables(r); v["lost"] != 5 {
		t.Fatalf("lost variable %v", v["lost"])
	}
	notes := strings.Join(r.Notes, "\n")
	if !strings.Contains(notes, "the callers' view") || !strings.Contains(notes, "404: 6 of 20 polls; first: GET /v2/operations/op-3 answered 404") {
		t.Fatalf("notes %q", notes)
	}
}

// TestRefusedPollsAreNotMeasured: when most polls answered 401, the
// outcomes are null and "not measured", never lost; gates on them fail
// with the reason.
func TestRefusedPollsAreNotMeasured(t *testing.T) {
	r := asyncReport([]AsyncState{StateUnfinished, StateUnfinished, StateUnfinished},
		PollStats{Total: 350, Errors: map[string]int64{"401": 343}, Example: `GET /v2/operations/op-1 answered 401: {"error":"bad key [redacted]"}`})
	a := r.Async
	if !strings.Contains(a.NotMeasured, "343 of 350 status polls were refused (401: 343)") {
		t.Fatalf("not measured %q", a.NotMeasured)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Async map[string]any `json:"async"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"completed", "failed", "vanished", "unfinished", "lost", "drain_s"} {
		if v, ok := doc.Async[k]; !ok || v != nil {
			t.Errorf("async.%s = %v, want null", k, v)
		}
	}
	if doc.Async["accepted"] != 3.0 || doc.Async["poll_errors"].(map[string]any)["401"] != 343.0 {
		t.Errorf("async %v", doc.Async)
	}
	if _, ok := Variables(r)["lost"]; ok {
		t.Error("lost has a value although it was not measured")
	}
	if got := a.LostText(); got != NotMeasured {
		t.Errorf("lost shown as %q", got)
	}
	if reason := MissingReason(r, "lost"); !strings.Contains(reason, "status polls were refused") {
		t.Errorf("gate reason %q", reason)
	}
}
