package harness

import (
	"context"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

// TestKillFaultMidStormLosesNothing: the async reference service is killed
// mid-storm; its restart policy brings it back and every accepted upload
// is still done (lost == 0), with the crash on the report.
func TestKillFaultMidStormLosesNothing(t *testing.T) {
	testenv.RequireDocker(t)
	sc := harnesstest.Scenario(t, `name: kill-async
sut:
  reference: {mode: async, args: ["--workers=2", "--query-delay=50ms"]}
  resources: {memory: 128MiB}
  restart: {policy: on-failure, max: 3}
callers:
  count: 150
  records: 20
  timeout: 2s
  retry: {attempts: 8, backoff: exponential, base: 200ms, max: 2s, jitter: equal, on: [timeout, 5xx, conn]}
arrival: {profile: burst, window: 4s}
run: {max_duration: 60s, drain_timeout: 30s}
faults: [{at: 2s, action: kill, target: sut}]
gates: ["lost == 0", "crashes == 1", "restarts == 1"]
`)
	id := NewRunID(time.Now())
	defer testenv.NoLeftovers(t, id)
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), RunID: id, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	// A caller whose retries all fall inside the restart gives up; what
	// matters is that every accepted upload is done.
	if r.Async == nil || r.Async.Lost != 0 || r.Async.Accepted < 140 || r.Async.Completed != r.Async.Accepted ||
		r.Async.Accepted+r.Callers.GaveUp != 150 {
		t.Fatalf("async %+v callers %+v", r.Async, r.Callers)
	}
	if val(r.Crashes.Count) != 1 || val(r.Crashes.Restarts) != 1 || r.Crashes.Events[0].Kind != "killed" {
		t.Fatalf("crashes %+v", r.Crashes)
	}
	if r.Verdict != "pass" || r.Callers.Succeeded != r.Async.Completed {
		t.Fatalf("verdict %s gates %+v callers %+v", r.Verdict, r.Gates, r.Callers)
	}
	var fault, sampled bool
	for _, e := range r.Events {
		fault = fault || e.Kind == "fault"
	}
	for _, b := range r.Timeline {
		// The first stats sample may land after the first second on a
		// loaded machine; what matters is that memory was sampled.
		sampled = sampled || b.SUTMemBytes != nil
	}
	if !fault || !sampled {
		t.Fatalf("events %+v, memory sampled %v", r.Events, sampled)
	}
	loaded, err := reports.Load(res.Dir)
	if err != nil || loaded.Scenario.Name != "kill-async" {
		t.Fatalf("report.json: %v", err)
	}
}

// TestProcessRuntimeRun runs a small storm against uploadsvc processes.
func TestProcessRuntimeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds uploadsvc")
	}
	sc := harnesstest.Scenario(t, `name: proc
sut: {reference: {mode: sync, replicas: 2, args: ["--query-delay=10ms"]}}
callers: {count: 60, records: 10, timeout: 5s}
arrival: {profile: burst, window: 1s}
gates: ["ok == 60"]
`)
	res, err := Run(context.Background(), sc, Options{Out: t.TempDir(), Runtime: "process", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.Verdict != "pass" || r.SUT.Runtime != "process" || r.SUT.Resources != nil || len(r.Notes) == 0 {
		t.Fatalf("verdict %s sut %+v notes %v", r.Verdict, r.SUT, r.Notes)
	}
}

// TestUpgradeUnderLoad moves two sync replicas to the async version under
// load, rolling and recreate: the cutover is reported on its own, nothing
// accepted is lost, and recreate shows downtime where rolling keeps one
// replica serving.
//
// The callers' retries outlast any cutover: with equal jitter a caller
// waits at least 7.4 s over its 8 attempts, and a recreate on a busy
// 2-core machine was measured at up to 4.4 s of 502s from the lb (full
// jitter let a caller's whole budget fall below that: gave_up 2 and 3).
func TestUpgradeUnderLoad(t *testing.T) {
	testenv.RequireDocker(t)
	for _, strategy := range []string{"rolling", "recreate"} {
		t.Run(strategy, func(t *testing.T) {
			sc := harnesstest.Scenario(t, `name: up
sut:
  reference: {mode: sync, replicas: 2, args: ["--query-delay=50ms"]}
  restart: {policy: on-failure, max: 5}
upgrade: {at: 2s, strategy: `+strategy+`, to: {reference: {mode: async, args: ["--workers=4"]}}}
api: {completion: location, list: "GET /v1/callers/{caller}/uploads"}
callers:
  count: 150
  records: 20
  timeout: 3s
  retry: {attempts: 8, backoff: exponential, base: 400ms, max: 3s, jitter: equal, on: [timeout, 5xx, 429, conn]}
arrival: {profile: constant, rate: 30}
run: {max_duration: 60s, drain_timeout: 20s}
gates: ["lost == 0", "gave_up == 0"]
`)
			id := NewRunID(time.Now())
			defer testenv.NoLeftovers(t, id)
			res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), RunID: id, Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Report
			c := r.Cutover
			if c == nil || c.Strategy != strategy || c.EndS <= c.StartS || c.Requests == 0 {
				t.Fatalf("cutover %+v", c)
			}
			if r.Verdict != "pass" || r.Async == nil || r.Async.Accepted == 0 {
				t.Fatalf("verdict %s gates %+v async %+v", r.Verdict, r.Gates, r.Async)
			}
			// Recreate stops every replica before starting the new ones: the
			// window shows downtime or failed requests (it can be shorter than
			// the 100 ms health probe).
			if strategy == "recreate" && c.DowntimeS == 0 && c.OK == c.Requests {
				t.Fatalf("recreate without downtime or errors: %+v", c)
			}
			if val(r.Crashes.Count) != 0 {
				t.Fatalf("the replaced replicas counted as crashes: %+v", r.Crashes)
			}
		})
	}
}

// val is *p, or -1 for nil (not measured), so that an assertion on a
// measured count fails on nil.
func val[T int64 | float64](p *T) T {
	if p == nil {
		return -1
	}
	return *p
}
