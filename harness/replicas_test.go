package harness

import (
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
)

// TestImageReplicasRollingUpgrade: a team image (here the reference
// image, run as a team would run its own) as two replicas behind the
// round-robin proxy, upgraded rolling to a candidate under load: the proxy
// skips the replica being replaced, nothing fails, nothing crashes.
func TestImageReplicasRollingUpgrade(t *testing.T) {
	image, id := referenceRun(t)
	sc := harnesstest.Scenario(t, `name: replicas
sut:
  image: {name: "`+image+`", port: 8080, health: /healthz, replicas: 2, args: ["--mode=sync", "--query-delay=20ms", "--data=/tmp/data"]}
upgrade:
  at: 1s
  strategy: rolling
  to: {image: {name: "`+image+`", port: 8080, health: /readyz, args: ["--mode=sync", "--query-delay=10ms", "--data=/tmp/data"]}}
callers: {count: 120, records: 10, timeout: 5s, retry: {attempts: 5, backoff: constant, base: 200ms, on: [timeout, 5xx, conn]}}
arrival: {profile: ramp, window: 5s}
gates: ["succeeded == 120", "crashes == 0"]
`)
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), RunID: id, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.Verdict != "pass" || r.SUT.Replicas != 2 || r.Cutover == nil {
		t.Fatalf("verdict %s gates %+v sut %+v cutover %+v", r.Verdict, r.Gates, r.SUT, r.Cutover)
	}
	replaced := map[string]bool{}
	for _, e := range r.Events {
		if e.Kind == "start" && strings.Contains(e.Container, "replica-") {
			replaced[e.Container] = true
		}
	}
	if len(replaced) < 2 {
		t.Fatalf("events %+v: want both replicas started", r.Events)
	}
}
