package distribute

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/harness/internal/swarm"
	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

// noSwarmLeftovers fails t when anything of run id is left in Docker or
// in the swarm.
func noSwarmLeftovers(t *testing.T, id string) {
	t.Helper()
	testenv.NoLeftovers(t, id)
	if left := testenv.SwarmLeftovers(t, id); len(left) > 0 {
		t.Errorf("run %s left %v in the swarm", id, left)
	}
}

// TestDistributeSwarm runs one scenario against an in-process service
// that counts what it receives, first as one process, then as 3 tasks of a
// Swarm replicated job (image built FROM scratch from the rehearse
// binary, host network): the merged report's counts equal the service's
// own and the one-process run's, and nothing is left in Docker or in the
// swarm.
func TestDistributeSwarm(t *testing.T) {
	testenv.RequireSwarm(t)
	bin := testenv.Build(t, "../../cmd/rehearse")
	srv, served := testenv.CountingServer(t)
	sc := harnesstest.Scenario(t, "name: swarmed\nsut: {url: "+srv.URL+"}\ncallers: {count: 150, records: 5, timeout: 5s}\narrival: {profile: ramp, window: 2s}\n")

	one, err := harness.Run(t.Context(), sc, harness.Options{Target: srv.URL, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	alone := served.Swap(0)

	id := harness.NewRunID(time.Now())
	t.Cleanup(func() { noSwarmLeftovers(t, id) })
	var mu sync.Mutex
	var seen []SwarmProgress
	out := t.TempDir()
	res, err := Swarm(t.Context(), sc, SwarmOptions{Shards: 3, Binary: bin, Target: srv.URL, Out: out, RunID: id,
		StartIn: 5 * time.Second, Logf: t.Logf, Progress: func(p SwarmProgress) { mu.Lock(); seen = append(seen, p); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	rep, r1 := res.Report, one.Report
	t.Logf("service: %d alone, %d as 3 shards; progress %v", alone, served.Load(), seen)
	if alone != 150 || served.Load() != 150 || rep.Requests.Total != 150 || r1.Requests.Total != 150 {
		t.Errorf("requests: service %d then %d, reports %d (one process) and %d (merged)", alone, served.Load(), r1.Requests.Total, rep.Requests.Total)
	}
	if rep.Requests.OK != r1.Requests.OK || rep.Callers != r1.Callers {
		t.Errorf("merged %+v %+v, one process %+v %+v", rep.Requests, rep.Callers, r1.Requests, r1.Callers)
	}
	if len(rep.Shards) != 3 || rep.Verdict != reports.VerdictNoGates { // its scenario has no gates
		t.Errorf("shards %+v, verdict %s, notes %v", rep.Shards, rep.Verdict, rep.Notes)
	}
	for i, s := range rep.Shards {
		if s.Shard != i || s.Of != 3 || s.Callers != 50 {
			t.Errorf("shard %d: %+v", i, s)
		}
	}
	if last := seen[len(seen)-1]; last.Complete != 3 {
		t.Errorf("last progress %+v", last)
	}
	for i := range 3 {
		if _, err := os.Stat(filepath.Join(out, "shards", fmt.Sprintf("shard-%d.log", i))); err != nil {
			t.Error(err)
		}
	}

	// A failed gate makes every shard exit 1, and a replicated job replaces
	// a task that exits non-zero: the first result of each slot is merged,
	// and no replacement sends anything.
	served.Store(0)
	failing := harnesstest.Scenario(t, "name: swarm-gate\nsut: {url: "+srv.URL+"}\ncallers: {count: 90, records: 5, timeout: 5s}\narrival: {profile: ramp, window: 2s}\ngates: [\"p99_ms < 0\"]\n")
	id2 := harness.NewRunID(time.Now())
	t.Cleanup(func() { noSwarmLeftovers(t, id2) })
	res, err = Swarm(t.Context(), failing, SwarmOptions{Shards: 3, Binary: bin, Target: srv.URL, Out: t.TempDir(), RunID: id2, StartIn: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep := res.Report; served.Load() != 90 || rep.Requests.Total != 90 || len(rep.Shards) != 3 || rep.Verdict != reports.VerdictFail {
		t.Errorf("failing gate: service %d, merged %d requests of %d shards, verdict %s", served.Load(), rep.Requests.Total, len(rep.Shards), rep.Verdict)
	}
}

// TestDistributeSwarmInterrupted cancels a distributed run while its
// tasks run, as Ctrl-C does: the service, its config, its containers and
// the image are removed and the error says interrupted.
func TestDistributeSwarmInterrupted(t *testing.T) {
	testenv.RequireSwarm(t)
	bin := testenv.Build(t, "../../cmd/rehearse")
	srv, _ := testenv.CountingServer(t)
	sc := harnesstest.Scenario(t, "name: swarm-stopped\nsut: {url: "+srv.URL+"}\ncallers: {count: 30, records: 5, timeout: 5s}\narrival: {profile: ramp, window: 60s}\n")
	id := harness.NewRunID(time.Now())
	t.Cleanup(func() { noSwarmLeftovers(t, id) })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start := time.Now()
	_, err := Swarm(ctx, sc, SwarmOptions{Shards: 2, Binary: bin, Target: srv.URL, Out: t.TempDir(), RunID: id,
		StartIn: 3 * time.Second, Progress: func(p SwarmProgress) {
			if p.Running == 2 {
				cancel()
			}
		}})
	if !errors.Is(err, harness.ErrInterrupted) {
		t.Fatalf("err %v, want interrupted", err)
	}
	if took := time.Since(start); took > 45*time.Second {
		t.Errorf("took %s: the tasks were not stopped", took)
	}
}

// A scenario that upgrades by its own command, a bad shard count or
// resource, and a remote target are refused before anything is created.
func TestDistributeSwarmRefuses(t *testing.T) {
	sc := harnesstest.Scenario(t, "name: x\nsut: {url: http://127.0.0.1:1}\ncallers: {count: 3, records: 1}\narrival: {profile: burst, window: 1s}\n")
	for _, o := range []SwarmOptions{{Shards: 0}, {Shards: 2, CPU: "lots"}, {Shards: 2, Memory: "-1"}, {Shards: MaxShards + 1}} {
		o.Target = "http://127.0.0.1:1"
		if _, err := Swarm(t.Context(), sc, o); err == nil || !strings.Contains(err.Error(), "distribute") {
			t.Errorf("%+v: %v", o, err)
		}
	}
	deploys := harnesstest.Scenario(t, "name: y\nsut: {url: http://127.0.0.1:1}\ncallers: {count: 3, records: 1}\narrival: {profile: burst, window: 1s}\nupgrade: {at: 1s, shell: \"./deploy.sh\"}\n")
	if _, err := Swarm(t.Context(), deploys, SwarmOptions{Shards: 2, Target: "http://127.0.0.1:1"}); err == nil || !strings.Contains(err.Error(), "every shard would run") {
		t.Errorf("an upgrade by command: %v", err)
	}
	if _, err := Swarm(t.Context(), sc, SwarmOptions{Shards: 2, Target: "http://example.com"}); !errors.Is(err, harness.ErrRemoteTarget) {
		t.Errorf("remote target: %v", err)
	}
}

// Each task runs attack on its own shard, read from its environment, at
// the common instant, and prints its result.
func TestShardArgs(t *testing.T) {
	sc := harnesstest.Scenario(t, "name: x\nsut: {url: http://127.0.0.1:1}\ncallers: {count: 3, records: 1}\narrival: {profile: burst, window: 1s}\n")
	at := time.Date(2026, 11, 26, 12, 0, 0, 5e8, time.UTC)
	sf, err := newShardFiles(sc, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(shardArgs(sf, SwarmOptions{Shards: 3, Target: "http://127.0.0.1:8080", AllowRemote: true}, at), " ")
	want := "attack --target http://127.0.0.1:8080 --shard $" + swarm.SlotEnv + "/3 --start-at 2026-11-26T12:00:00.5Z --emit-result --out /out --progress none --allow-remote /scenario/$" + swarm.SlotEnv + "/x.yaml"
	if got != want {
		t.Errorf("args\n got %s\nwant %s", got, want)
	}
}
