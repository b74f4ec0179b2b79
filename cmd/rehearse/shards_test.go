package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// readReport reads a run folder's report.json.
func readReport(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// `attack --shards 4` runs four local shard processes and merges them:
// the merged counts equal the service's and a one-process run's; a shard
// printed with --emit-result merges back from its log.
func TestLocalShardsMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	bin := buildCLI(t)
	srv, served := testenv.CountingServer(t)
	sc := writeScenario(t, "name: sharded\nsut: {url: "+srv.URL+"}\ncallers: {count: 200, records: 5, timeout: 5s}\narrival: {profile: ramp, window: 1s}\n")
	one, four := t.TempDir(), t.TempDir()
	if out, err := exec.Command(bin, "attack", "--target", srv.URL, "--out", one, "--progress", "none", sc).CombinedOutput(); err != nil {
		t.Fatalf("one process: %v\n%s", err, out)
	}
	alone := served.Swap(0)
	if out, err := exec.Command(bin, "attack", "--target", srv.URL, "--shards", "4", "--out", four, "--progress", "none", sc).CombinedOutput(); err != nil {
		t.Fatalf("4 shards: %v\n%s", err, out)
	}
	r1, r4 := readReport(t, filepath.Join(one, "sharded", "report.json")), readReport(t, filepath.Join(four, "sharded", "report.json"))
	req := func(m map[string]any) float64 { return m["requests"].(map[string]any)["total"].(float64) }
	if alone != 200 || served.Load() != 200 || req(r1) != 200 || req(r4) != 200 || len(r4["shards"].([]any)) != 4 || r4["verdict"] != "no gates" {
		t.Fatalf("service %d and %d; reports %v and %v, shards %v", alone, served.Load(), req(r1), req(r4), r4["shards"])
	}

	var log bytes.Buffer
	cmd := exec.Command(bin, "attack", "--target", srv.URL, "--shard", "0/2", "--emit-result", "--out", t.TempDir(), "--progress", "none", sc)
	cmd.Stdout = &log
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "shard-0.log")
	if err := os.WriteFile(logPath, []byte("starting\n"+log.String()+"bye\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Shard 1 of 2 never reported: the merge writes its report, partial,
	// and exits 3 (its scenario has no gate to fail on what arrived).
	merged := t.TempDir()
	out, err := exec.Command(bin, "merge", "--from-logs", "--out", merged, logPath).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitEnv || !strings.Contains(log.String(), "-----BEGIN REHEARSE SHARD-----") ||
		!strings.Contains(string(out), "rehearse: verdict partial: sharded: shard 1 of 2 never reported (50% of the callers), so the figures hold only the callers of the shards that reported\n") {
		t.Fatalf("merge --from-logs of one shard of two: %v\n%s", err, out)
	}
	r := readReport(t, filepath.Join(merged, "sharded", "report.json"))
	if req(r) != 100 || r["verdict"] != "partial" || len(r["missing_shards"].([]any)) != 1 {
		t.Fatalf("merged from the log: %v requests, verdict %v, missing %v; want shard 0's 100, partial, shard 1", req(r), r["verdict"], r["missing_shards"])
	}
}

// --from-logs on logs that hold no shard result is a usage error that
// says so in a sentence, not an invalid scenario.
func TestMergeFromLogsWithoutResults(t *testing.T) {
	log := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(log, []byte("started\nlistening on :8080\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "merge", "--from-logs", "--out", t.TempDir(), log)
	want := "rehearse: merge --from-logs: none of the 1 log(s) holds a shard result (a shard run with --emit-result prints one after a -----BEGIN REHEARSE SHARD----- line)\n"
	if code != exitUsage || stderr != want || strings.Contains(stderr, "invalid scenario") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant 2 and %q", code, stdout, stderr, want)
	}
}
