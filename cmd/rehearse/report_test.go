package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportRebuildsKilledRun: a run folder with attempts.csv and no
// report.json (kill -9) is re-rendered from its attempts, marked
// interrupted, and stderr says it was rebuilt.
func TestReportRebuildsKilledRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = drain(r)
	}))
	defer srv.Close()
	sc := writeScenario(t, "name: killed\nsut: {url: "+srv.URL+"}\ncallers: {count: 20, records: 2, timeout: 2s}\narrival: {profile: burst, window: 200ms}\n")
	out := t.TempDir()
	if code, _, stderr := cli(t, "attack", "--target", srv.URL, "--out", out, "--progress", "none", sc); code != 0 {
		t.Fatalf("attack: exit %d\n%s", code, stderr)
	}
	dir := filepath.Join(out, "killed")
	if err := os.Remove(filepath.Join(dir, "report.json")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "report", "--format", "json", dir)
	if code != 0 || !strings.Contains(stderr, "rebuilt a partial report") || !strings.Contains(stderr, "marked interrupted") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var rep struct {
		Interrupted bool `json:"interrupted"`
		Scenario    struct {
			Name string `json:"name"`
		} `json:"scenario"`
		Requests struct {
			Total int64 `json:"total"`
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	if !rep.Interrupted || rep.Scenario.Name != "killed" || rep.Requests.Total != 20 {
		t.Fatalf("rebuilt report: %+v", rep)
	}
	// A folder with neither file is a usage error that says what it lacks.
	code, _, stderr = cli(t, "report", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, "neither report.json nor an attempt log (attempts.csv.gz or attempts.csv)") {
		t.Fatalf("empty folder: exit %d, stderr %q", code, stderr)
	}
}
