package distribute

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

const mergeScenario = `name: merged
callers: {count: 120, records: 5, timeout: 5s, retry: {attempts: 3, backoff: constant, base: 50ms, on: [5xx]}}
arrival: {profile: ramp, window: 1s}
gates: ["gave_up == 0"]
`

// The same scenario as one process and as 3 shards merged: every count
// equals the service's own and the one-process run's.
func TestMergeEqualsOneProcess(t *testing.T) {
	count := func(shard harness.Shard, out string) (*testenv.Tally, *harness.Result) {
		svc := testenv.NewTally()
		srv := httptest.NewServer(svc)
		defer srv.Close()
		res, err := harness.Run(t.Context(), harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+mergeScenario), harness.Options{Out: out, Shard: shard, Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return svc, res
	}
	whole, one := count(harness.Shard{}, t.TempDir())
	dir := t.TempDir()
	// The shards run together, from one barrier, against one service.
	svc := testenv.NewTally()
	srv := httptest.NewServer(svc)
	at := time.Now().Add(500 * time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		sc := harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+mergeScenario)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = harness.Run(t.Context(), sc, harness.Options{Out: filepath.Join(dir, "s"+string(rune('0'+i))), Shard: harness.Shard{Index: i, Count: 3}, Version: "test", StartAt: at})
		}()
	}
	wg.Wait()
	srv.Close()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	served := svc.Requests()
	res, err := Merge(t.Context(), []string{dir}, t.TempDir(), MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, o := res.Report, one.Report
	if served != whole.Requests() || m.Requests.Total != served || m.Requests.Total != o.Requests.Total ||
		m.Requests.OK != o.Requests.OK || m.Requests.Status["503"] != o.Requests.Status["503"] ||
		m.Callers != o.Callers || m.Generator.PlannedAttempts != 120 || len(m.Shards) != 3 || m.Verdict != "pass" {
		t.Fatalf("merged %+v %+v verdict %s\none process %+v %+v; service %d and %d", m.Requests, m.Callers, m.Verdict, o.Requests, o.Callers, served, whole.Requests())
	}
	// Both latencies are replayed from the shards' attempts: of the
	// successful ones (the 503s left out) and of all of them.
	if m.LatencyMs.Attempts != m.Requests.OK || m.LatencyAllMs.Attempts != m.Requests.Total {
		t.Fatalf("merged latency of %d and %d attempts, want %d ok and %d in all", m.LatencyMs.Attempts, m.LatencyAllMs.Attempts, m.Requests.OK, m.Requests.Total)
	}
	for _, l := range [][2]reports.Latency{{m.LatencyMs, o.LatencyMs}, {m.LatencyAllMs, o.LatencyAllMs}} {
		if p, q := *l[0].P50, *l[1].P50; p < q*0.5 || p > q*2 {
			t.Fatalf("p50 merged %.2f ms, one process %.2f ms", p, q)
		}
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "report.html")); err != nil {
		t.Fatal(err)
	}
	// The merged attempts.csv names each attempt's caller, as a shard's does.
	log, err := harnesstest.AttemptLogText(res.Dir)
	if err != nil || !strings.Contains(string(log), ",caller-00007,0,0\n") {
		t.Fatalf("merged attempts.csv without caller names (%v):\n%.300s", err, log)
	}
}

// A missing shard is named with its share of the callers and makes the
// merged report partial — never a pass, though every gate held on what
// arrived; shards of another scenario are refused.
func TestMergeRefusesAndNamesMissing(t *testing.T) {
	svc := testenv.NewTally()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	dir := t.TempDir()
	for _, i := range []int{0, 2} {
		if _, err := harness.Run(t.Context(), harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+mergeScenario),
			harness.Options{Out: filepath.Join(dir, "s"+string(rune('0'+i))), Shard: harness.Shard{Index: i, Count: 3}, Version: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	restarted := "shard 1: the engine failed to start its task 1 time(s)"
	res, err := Merge(t.Context(), []string{dir}, t.TempDir(), MergeOptions{Notes: []string{restarted}})
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	m := rep.MissingShards
	if rep.Verdict != reports.VerdictPartial || len(m) != 1 || m[0].Shard != 1 || m[0].Of != 3 || m[0].Callers == nil || *m[0].Callers != 40 ||
		*m[0].Share != 40.0/120 || !rep.Gates[0].Pass || reports.PartialGateFailed(rep) {
		t.Fatalf("partial: verdict %s, missing %+v, gates %+v", rep.Verdict, m, rep.Gates)
	}
	if got, want := reports.VerdictText(rep), "PARTIAL: shard 1 of 3 never reported (33% of the callers)"; got != want {
		t.Fatalf("verdict text %q, want %q", got, want)
	}
	if !slices.Contains(rep.Notes, "partial: shard 1 of 3 (--shard 1/3) never reported: its 40 callers (33.3% of the run's) are missing from every figure") ||
		!slices.Contains(rep.Notes, restarted) {
		t.Fatalf("notes %q", rep.Notes)
	}
	// Every view says it: report.json, the Markdown, the HTML badge, JUnit.
	for file, want := range map[string]string{"report.json": `"verdict": "partial"`, "report.md": "PARTIAL: shard 1 of 3 never reported (33% of the callers)",
		"report.html": `<div class="verdict partial">PARTIAL: shard 1 of 3 never reported (33% of the callers)</div>`,
		"junit.xml":   `<failure message="PARTIAL: shard 1 of 3 never reported (33% of the callers)"`} {
		b, err := os.ReadFile(filepath.Join(res.Dir, file))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q (%v)", file, want, err)
		}
	}
	other := strings.Replace(mergeScenario, "name: merged", "name: other", 1)
	if _, err := harness.Run(t.Context(), harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+other),
		harness.Options{Out: filepath.Join(dir, "x"), Shard: harness.Shard{Index: 1, Count: 3}, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(t.Context(), []string{dir}, t.TempDir(), MergeOptions{}); !errors.Is(err, ErrMergeInput) || !strings.Contains(err.Error(), "scenario other") {
		t.Fatalf("another scenario: %v", err)
	}
}

// A partial merge whose gates already failed on what arrived says so: its
// exit code is a failure's, not an incomplete run's.
func TestMergePartialWithAFailedGate(t *testing.T) {
	srv := httptest.NewServer(testenv.NewTally())
	defer srv.Close()
	dir := t.TempDir()
	failing := strings.Replace(mergeScenario, `gates: ["gave_up == 0"]`, `gates: ["requests == 0"]`, 1)
	if _, err := harness.Run(t.Context(), harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+failing),
		harness.Options{Out: filepath.Join(dir, "s0"), Shard: harness.Shard{Index: 0, Count: 2}, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	res, err := Merge(t.Context(), []string{dir}, t.TempDir(), MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep := res.Report; rep.Verdict != reports.VerdictPartial || !reports.PartialGateFailed(rep) ||
		reports.VerdictText(rep) != "PARTIAL: shard 1 of 2 never reported (50% of the callers), and a gate failed on what arrived" {
		t.Fatalf("verdict %s %q, gates %+v", rep.Verdict, reports.VerdictText(rep), rep.Gates)
	}
}

// TestShardsKeepEveryAttempt: a shard refuses a sample (merge needs every
// attempt); shards in either form, merged through their folders or
// through their emitted frames, give one compressed log with them all.
func TestShardsKeepEveryAttempt(t *testing.T) {
	svc := testenv.NewTally()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	sc := harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+mergeScenario)
	_, err := harness.Run(t.Context(), sc, harness.Options{Out: t.TempDir(), Shard: harness.Shard{Index: 0, Count: 2}, Attempts: reports.AttemptsMode{Kind: reports.AttemptsNone}})
	if !errors.Is(err, scenarios.ErrInvalid) || !strings.Contains(err.Error(), "a shard keeps them all") {
		t.Fatalf("a shard without its attempts: %v", err)
	}
	dir := t.TempDir()
	var frames bytes.Buffer
	for i := range 2 {
		out := filepath.Join(dir, "s"+string(rune('0'+i)))
		res, err := harness.Run(t.Context(), sc, harness.Options{Out: out, Shard: harness.Shard{Index: i, Count: 2}, Version: "test", AttemptsPlain: i == 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := EmitShard(&frames, res.Dir); err != nil {
			t.Fatal(err)
		}
	}
	merged, err := Merge(t.Context(), []string{dir}, t.TempDir(), MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fromLogs, err := MergeLogs(t.Context(), []io.Reader{&frames}, t.TempDir(), MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*harness.Result{merged, fromLogs} {
		l := m.Report.AttemptsLog
		if n := int64(len(harnesstest.AttemptLog(t, m.Dir))); n != svc.Requests() || m.Report.Requests.Total != svc.Requests() ||
			l == nil || l.Mode != reports.AttemptsAll || l.File != reports.AttemptLogGzFile || l.Attempts != nil {
			t.Fatalf("merged log of %d attempts, report %d, service %d; attempts_log %+v", n, m.Report.Requests.Total, svc.Requests(), l)
		}
	}
}
