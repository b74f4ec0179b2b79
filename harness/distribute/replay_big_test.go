package distribute

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// TestDistributeSwarmReplayMillion: a trace of 1,000,000 uploads of
// 50,000 logged callers over 400 s, replayed at speed 1 (2,500 uploads a
// second) as 8 Swarm tasks, each shipped only its own callers' part of it
// (baked into the shard image: the parts are beyond a config's size).
// Per logged caller the service received the trace's uploads with their
// sizes, and the merged report has all of them from all 8 shards; nothing
// is left in Docker or the swarm. It takes about 8 minutes and the whole
// machine: run it alone with REHEARSE_SWARM_BIG=1 (docs/distributed.md
// has its measurement).
func TestDistributeSwarmReplayMillion(t *testing.T) {
	if os.Getenv("REHEARSE_SWARM_BIG") == "" {
		t.Skip("set REHEARSE_SWARM_BIG=1 to replay a million uploads on 8 Swarm tasks (about 8 minutes)")
	}
	testenv.RequireSwarm(t)
	bin := testenv.Build(t, "../../cmd/rehearse")
	dir := t.TempDir()
	const callers, per = 50_000, 20
	began := time.Now()
	want := writeBigTrace(t, filepath.Join(dir, "traces", "big.trace.jsonl.gz"), callers, per, 400*time.Second)
	t.Logf("trace of %d uploads of %d callers written in %s", callers*per, callers, time.Since(began).Round(time.Millisecond))
	src := "name: big\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1, timeout: 10s, record_bytes: 64, retry: {attempts: 1}}\n" +
		"api: {completion: none}\ntraffic: {replay: ../traces/big.trace.jsonl.gz, speed: 1}\nrun: {max_duration: 15m}\n"
	sc, err := scenarios.Parse(filepath.Join(dir, "scenarios", "big.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	counted := testenv.NewCounter()
	srv := httptest.NewServer(counted)
	defer srv.Close()
	id := harness.NewRunID(time.Now())
	t.Cleanup(func() { noSwarmLeftovers(t, id) })
	began = time.Now()
	res, err := Swarm(t.Context(), sc, SwarmOptions{Shards: 8, Binary: bin, Target: srv.URL,
		Out: t.TempDir(), RunID: id, StartIn: time.Minute, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("distributed, stormed and merged in %s", time.Since(began).Round(time.Second))
	sameSizes(t, "8 swarm tasks", counted, want)
	rep := res.Report
	if rep.Requests.Total != callers*per || len(rep.Shards) != 8 || len(rep.MissingShards) > 0 {
		t.Fatalf("merged requests %+v, %d shards, missing %v; want %d requests from 8 shards", rep.Requests, len(rep.Shards), rep.MissingShards, callers*per)
	}
	if l := rep.LatencyMs; l.Measured() {
		t.Logf("merged: %d requests, %d ok, latency p50 %.1f ms p99 %.1f ms", rep.Requests.Total, rep.Requests.OK, *l.P50, *l.P99)
	}
}

// writeBigTrace writes a trace of callers callers with per uploads each,
// caller c's u-th in the u-th of per equal stretches of span, sizes 200 to
// 2,199 bytes, no retry; it returns each caller's sizes.
func writeBigTrace(t *testing.T, path string, callers, per int, span time.Duration) map[string][]int {
	t.Helper()
	stretch := span / time.Duration(per)
	return writeTrace(t, path, span, callers, per, func(c int) traffic.CallerTrace {
		ct := traffic.CallerTrace{Name: fmt.Sprintf("tenant-%05d", c)}
		for u := range per {
			at := time.Duration(u)*stretch + time.Duration((c*7919)%int(stretch/time.Millisecond))*time.Millisecond
			ct.Uploads = append(ct.Uploads, traffic.Upload{Offset: at, Method: "POST", Path: "/v1/callers/{caller}/records",
				Bytes: int64(200 + (c*31+u*977)%2_000), Status: 200})
		}
		return ct
	})
}
