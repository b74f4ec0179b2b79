package distribute

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// writeReplayTrace writes a trace of callers callers with per uploads
// each over about two seconds, of varied sizes, every seventh a logged
// retry of the one before; it returns each caller's sizes as replayed
// (retries left out).
func writeReplayTrace(t *testing.T, path string, callers, per int) map[string][]int {
	t.Helper()
	return writeTrace(t, path, 2*time.Second, callers, per, func(c int) traffic.CallerTrace {
		ct := traffic.CallerTrace{Name: fmt.Sprintf("tenant-%03d", (c*37)%1000)}
		for u := range per {
			up := traffic.Upload{Offset: time.Duration(u*400+(c*13)%400) * time.Millisecond, Method: "POST",
				Path: "/v1/callers/{caller}/records", Bytes: int64(200 + (c*31+u*977)%6_000), Status: 200}
			if (c+u)%7 == 6 && u > 0 {
				up.Retry, up.Bytes = true, ct.Uploads[u-1].Bytes
			}
			ct.Uploads = append(ct.Uploads, up)
		}
		return ct
	})
}

// writeTrace writes to path the trace of callers callers of per uploads
// each over span, caller c as caller(c) makes it; it returns each caller's
// sizes as a replay sends them (logged retries left out).
func writeTrace(t *testing.T, path string, span time.Duration, callers, per int, caller func(c int) traffic.CallerTrace) map[string][]int {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := traffic.NewWriter(f, traffic.Header{Start: time.Unix(1764150000, 0).UTC(), SpanMS: span.Milliseconds(),
		Callers: callers, Uploads: int64(callers * per), Bytes: "content_length"})
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string][]int, callers)
	for c := range callers {
		ct := caller(c)
		for _, up := range ct.Uploads {
			if !up.Retry {
				want[ct.Name] = append(want[ct.Name], int(up.Bytes))
			}
		}
		if err := w.Write(ct); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(w.Close(), f.Close()); err != nil {
		t.Fatal(err)
	}
	return want
}

// byCallerName reads the attempt log of the run folder dir (either form):
// per caller_name, its attempts and
// the body bytes they sent.
func byCallerName(t *testing.T, dir string) map[string][2]int64 {
	t.Helper()
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(f.Name(), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		in = zr
	}
	r := csv.NewReader(in)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	out := map[string][2]int64{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := strconv.ParseInt(rec[col["bytes_out"]], 10, 64)
		name := rec[col["caller_name"]]
		if name == "" {
			t.Fatalf("%s: an attempt without a caller name: %v", f.Name(), rec)
		}
		v := out[name]
		out[name] = [2]int64{v[0] + 1, v[1] + b}
	}
}

// sameSizes fails t unless the service received, per caller, the sizes
// of want (in any order).
func sameSizes(t *testing.T, what string, got *testenv.Counter, want map[string][]int) {
	t.Helper()
	arrived := got.Sizes()
	if len(arrived) != len(want) {
		t.Fatalf("%s: %d callers reached the service, the trace has %d", what, len(arrived), len(want))
	}
	for caller, sizes := range want {
		g := arrived[caller]
		w := append([]int(nil), sizes...)
		slices.Sort(g)
		slices.Sort(w)
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("%s: %s sent %v, the trace has %v", what, caller, g, w)
		}
	}
}

// TestDistributeSwarmReplay replays a trace of 90 logged callers on one
// machine, then as 3 Swarm tasks that each get only their own callers'
// part of it — as swarm configs, then baked into the shard image — against
// services that count every caller's uploads: per logged caller, the
// services received the trace's uploads with their sizes, and the merged
// attempt log has each caller's attempts and bytes of the one-machine
// replay; the replay's notes are the same; nothing is left in Docker or the swarm.
func TestDistributeSwarmReplay(t *testing.T) {
	testenv.RequireSwarm(t)
	bin := testenv.Build(t, "../../cmd/rehearse")
	dir := t.TempDir()
	want := writeReplayTrace(t, filepath.Join(dir, "traces", "logged.trace.jsonl.gz"), 90, 5)
	src := "name: replayed\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1, timeout: 5s, record_bytes: 64}\n" +
		"traffic: {replay: ../traces/logged.trace.jsonl.gz, speed: 1}\n"
	sc, err := scenarios.Parse(filepath.Join(dir, "scenarios", "replayed.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	local := testenv.NewCounter()
	srv := httptest.NewServer(local)
	defer srv.Close()
	one, err := harness.Run(t.Context(), sc, harness.Options{Target: srv.URL, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sameSizes(t, "one machine", local, want)
	alone := byCallerName(t, one.Dir)

	for _, bake := range []bool{false, true} {
		t.Run(map[bool]string{false: "configs", true: "baked"}[bake], func(t *testing.T) {
			if bake {
				old := swarmConfigLimit
				swarmConfigLimit = 1 // every part too big for a config
				defer func() { swarmConfigLimit = old }()
			}
			counted := testenv.NewCounter()
			srv := httptest.NewServer(counted)
			defer srv.Close()
			id := harness.NewRunID(time.Now())
			t.Cleanup(func() { noSwarmLeftovers(t, id) })
			res, err := Swarm(t.Context(), sc, SwarmOptions{Shards: 3, Binary: bin, Target: srv.URL,
				Out: t.TempDir(), RunID: id, StartIn: 5 * time.Second, Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			sameSizes(t, "3 swarm tasks", counted, want)
			merged := byCallerName(t, res.Dir)
			if fmt.Sprint(merged) != fmt.Sprint(alone) {
				t.Errorf("per logged caller (attempts, bytes): merged\n%v\none machine\n%v", merged, alone)
			}
			rep, r1 := res.Report, one.Report
			if rep.Requests.Total != r1.Requests.Total || rep.Callers.Total != r1.Callers.Total || len(rep.Shards) != 3 || len(rep.MissingShards) > 0 {
				t.Errorf("merged %+v %+v shards %d missing %v; one machine %+v %+v", rep.Requests, rep.Callers, len(rep.Shards), rep.MissingShards, r1.Requests, r1.Callers)
			}
			for _, n := range r1.Notes {
				if strings.HasPrefix(n, "traffic.replay:") && !slices.Contains(rep.Notes, n) {
					t.Errorf("the merged notes %q lack one machine's %q", rep.Notes, n)
				}
			}
		})
	}
}
