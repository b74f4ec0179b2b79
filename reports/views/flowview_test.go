package views

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// A run whose callers log in and upload in steps shows both in every
// view; one whose callers do neither shows nothing of them.
func TestFlowInEveryView(t *testing.T) {
	a := reports.NewAggregator(time.Now())
	a.SetLogin()
	a.SetSteps([]string{"POST /uploads", "PUT /uploads/{step.id}/parts/{part.n}"})
	a.AddLogin(reports.LoginAttempt{Latency: 2 * time.Millisecond, OK: true})
	a.AddLogin(reports.LoginAttempt{Latency: 3 * time.Millisecond, Error: "POST /oauth/token answered 401", Caller: 3})
	a.AddStep(reports.StepAttempt{Step: 1, Latency: 5 * time.Millisecond, OK: true, BytesOut: 3 << 20})
	a.AddCaller(reports.CallerOutcome{Caller: 3, LoginFailed: true})
	r := a.Finish(time.Now())
	r.Scenario.Name = "flow"
	want := []string{
		"login: 2 sent, 1 failed, 0 refreshes, 0 requests sent again after one; latency p50 2 ms, p99 3 ms; 1 callers never logged in; first failure: POST /oauth/token answered 401 (caller 3",
		"step 2 PUT /uploads/{step.id}/parts/{part.n}: 1 requests, 0 failed, 3.0 MiB sent; latency p50 5 ms, p99 5 ms",
		"step 1 POST /uploads: 0 requests, 0 failed, 0 B sent; latency not measured",
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"table":    func(b *bytes.Buffer) error { return WriteTable(b, r) },
		"markdown": func(b *bytes.Buffer) error { return WriteMarkdown(b, r) },
		"html":     func(b *bytes.Buffer) error { return WriteHTML(b, r) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: missing %q", name, w)
			}
		}
	}
	if len(flowLines(reports.NewAggregator(time.Now()).Finish(time.Now()))) != 0 {
		t.Fatal("a run without a flow shows one")
	}
}

// Two shards' logins and steps, through their results' JSON, merge into
// the figures of one aggregator that saw every login and step: counts
// and latency percentiles alike.
func TestFlowStateMergesExactly(t *testing.T) {
	whole, shards := reports.NewAggregator(time.Now()), []*reports.Aggregator{reports.NewAggregator(time.Now()), reports.NewAggregator(time.Now())}
	for _, a := range append(shards, whole) {
		a.SetLogin()
		a.SetSteps([]string{"POST /uploads", "PUT /p"})
	}
	for i := range 200 {
		l := reports.LoginAttempt{Latency: time.Duration(i+1) * time.Millisecond, OK: i%7 != 0, Refresh: i%3 == 0, Caller: int32(i)}
		s := reports.StepAttempt{Step: i % 2, Latency: time.Duration(i*3+1) * time.Millisecond, OK: i%5 != 0, BytesOut: int64(i)}
		for _, a := range []*reports.Aggregator{whole, shards[i%2]} {
			a.AddLogin(l)
			a.AddStep(s)
		}
	}
	merged := reports.NewAggregator(time.Now())
	for _, a := range shards {
		b, err := json.Marshal(a.FlowState())
		if err != nil {
			t.Fatal(err)
		}
		var st reports.FlowState
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		merged.AddFlowState(&st)
	}
	got, want := merged.Finish(time.Now()), whole.Finish(time.Now())
	got.Login.Example, want.Login.Example = nil, nil
	if g, w := mustJSON(t, got.Login), mustJSON(t, want.Login); g != w {
		t.Fatalf("login\n got %s\nwant %s", g, w)
	}
	if g, w := mustJSON(t, got.Steps), mustJSON(t, want.Steps); g != w {
		t.Fatalf("steps\n got %s\nwant %s", g, w)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
