// Package reportstest builds reports for the tests of packages that read
// them (the views): from known attempts through the real Aggregator, so a
// view is tested on what the model makes, not on a hand-written struct.
package reportstest

import (
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// T0 is the clock origin of every report built here.
var T0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Sample builds a report from known attempts: 100 callers, the first 10
// time out once then succeed, 5 give up after three 503s.
func Sample(name string, latency time.Duration) *reports.Report {
	a := reports.NewAggregator(T0)
	a.SetPlanned(100)
	a.SetAsync(true)
	for c := int32(0); c < 100; c++ {
		at := time.Duration(c) * 50 * time.Millisecond
		switch {
		case c < 10:
			a.AddAttempt(reports.Attempt{Caller: c, Try: 1, Intended: at, Sent: at, Latency: time.Second, Class: reports.ClassTimeout})
			a.AddAttempt(reports.Attempt{Caller: c, Try: 2, Intended: at + 2*time.Second, Sent: at + 2*time.Second, Latency: latency, Status: 202})
		case c < 15:
			for try := int32(1); try <= 3; try++ {
				a.AddAttempt(reports.Attempt{Caller: c, Try: try, Intended: at, Sent: at, Latency: latency, Status: 503, Class: reports.ClassHTTP5xx})
			}
			a.AddCaller(reports.CallerOutcome{Caller: c, Attempts: 3, GaveUp: true})
			continue
		default:
			a.AddAttempt(reports.Attempt{Caller: c, Try: 1, Intended: at, Sent: at + time.Millisecond, Latency: latency, Status: 202})
		}
		state := reports.StateDone
		if c == 99 {
			state = reports.StateLost
		}
		a.AddCaller(reports.CallerOutcome{Caller: c, Attempts: 1, Succeeded: state == "done", Completion: 3 * time.Second,
			Accepted: 1, AsyncState: state, AcceptedAt: at, CompletedAt: at + 3*time.Second})
	}
	a.AddSample(reports.Sample{At: 1500 * time.Millisecond, Container: "sut-1", MemBytes: 100 << 20, CPU: 0.5, QueueDepth: 7})
	a.AddEvent(reports.Event{AtS: 2, Kind: "fault", Container: "sut-1", Detail: "kill sut"})
	r := a.Finish(T0.Add(10 * time.Second))
	r.Scenario = reports.ScenarioInfo{Name: name, File: "scenarios/" + name + ".yaml", Seed: 42}
	r.SUT = reports.SUTInfo{Kind: "reference", Mode: "async", Image: "rehearse/uploadsvc:abc", Replicas: 1, Runtime: "docker", Network: "host",
		Target: "http://127.0.0.1:9000", Resources: &reports.Resources{CPUs: 1, MemoryBytes: 256 << 20, Pids: 512}}
	r.Crashes = reports.Crashes{Count: new(int64(1)), OOMKills: new(int64(0)), Restarts: new(int64(1)), DowntimeS: new(1.5), Events: []reports.CrashEvent{{AtS: 2, Container: "sut-1", Kind: "killed", ExitCode: 137}}}
	r.Gates = []reports.GateResult{{Expr: "timeouts == 0", Value: new(10.0), Pass: false}, {Expr: "p99_ms < 2000", Value: r.LatencyMs.P99, Pass: true}}
	r.Verdict, r.Expect = "fail", "pass"
	return r
}
