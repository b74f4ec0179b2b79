package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A run whose callers log in and upload in steps shows both in every
// view; one whose callers do neither shows nothing of them.
func TestFlowInEveryView(t *testing.T) {
	a := NewAggregator(time.Now())
	a.SetLogin()
	a.SetSteps([]string{"POST /uploads", "PUT /uploads/{step.id}/parts/{part.n}"})
	a.AddLogin(LoginAttempt{Latency: 2 * time.Millisecond, OK: true})
	a.AddLogin(LoginAttempt{Latency: 3 * time.Millisecond, Error: "POST /oauth/token answered 401", Caller: 3})
	a.AddStep(StepAttempt{Step: 1, Latency: 5 * time.Millisecond, OK: true, BytesOut: 3 << 20})
	a.AddCaller(CallerOutcome{Caller: 3, LoginFailed: true})
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
	if len(flowLines(NewAggregator(time.Now()).Finish(time.Now()))) != 0 {
		t.Fatal("a run without a flow shows one")
	}
}
