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

// TestAttemptsFlags: --attempts and --attempts-format take what the help
// says and refuse the rest in one sentence (exit 2), before anything is
// sent.
func TestAttemptsFlags(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = drain(r) }))
	defer srv.Close()
	sc := writeScenario(t, "name: flags\nsut: {url: "+srv.URL+"}\ncallers: {count: 5, records: 1}\narrival: {profile: burst, window: 100ms}\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--attempts", "some"}, "--attempts must be all, none or sample:P%"},
		{[]string{"--attempts", "sample:0%"}, "--attempts must be all, none or sample:P%"},
		{[]string{"--attempts-format", "zip"}, "--attempts-format must be csv.gz or csv"},
		{[]string{"--attempts", "sample:1%", "--attempts-format", "csv"}, "written as csv.gz only"},
		{[]string{"--attempts", "none", "--shard", "0/2"}, "shards keep them all"},
		{[]string{"--attempts", "sample:5%", "--shards", "2"}, "shards keep them all"},
	} {
		args := append([]string{"attack", "--target", srv.URL, "--out", t.TempDir(), "--progress", "none"}, c.args...)
		code, _, stderr := cli(t, append(args, sc)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
	code, stdout, _ := cli(t, "attack", "--help")
	if code != 0 || !strings.Contains(stdout, `--attempts string`) || !strings.Contains(stdout, `(default "all")`) || !strings.Contains(stdout, `(default "csv.gz")`) {
		t.Fatalf("attack --help:\n%s", stdout)
	}
}

// TestReportOfASampledKilledRun: a run with --attempts sample:P% says so
// in report.json; killed (no report.json), `rehearse report` rebuilds it
// and says on stderr and in the report that its figures are of the sample.
func TestReportOfASampledKilledRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = drain(r) }))
	defer srv.Close()
	sc := writeScenario(t, "name: sampled\nsut: {url: "+srv.URL+"}\ncallers: {count: 200, records: 1}\narrival: {profile: burst, window: 300ms}\nseed: 5\n")
	out := t.TempDir()
	if code, _, stderr := cli(t, "attack", "--target", srv.URL, "--out", out, "--progress", "none", "--attempts", "sample:20%", sc); code != 0 {
		t.Fatalf("attack: exit %d\n%s", code, stderr)
	}
	dir := filepath.Join(out, "sampled")
	var rep struct {
		AttemptsLog struct {
			Mode    string  `json:"mode"`
			Percent float64 `json:"sample_percent"`
			Seed    int64   `json:"sample_seed"`
			File    string  `json:"file"`
		} `json:"attempts_log"`
		Requests struct{ Total int64 } `json:"requests"`
		Notes    []string              `json:"notes"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatal(err)
	}
	if l := rep.AttemptsLog; l.Mode != "sample" || l.Percent != 20 || l.Seed != 5 || l.File != "attempts.csv.gz" || rep.Requests.Total != 200 {
		t.Fatalf("report.json: %+v", rep)
	}
	if err := os.Remove(filepath.Join(dir, "report.json")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "report", "--format", "json", dir)
	if code != 0 || !strings.Contains(stderr, "rebuilt a partial report from attempts.csv.gz") || !strings.Contains(stderr, "a 20% sample of the callers (seed 5)") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	rep.Notes = nil
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.AttemptsLog.Mode != "sample" || rep.Requests.Total >= 200 || rep.Requests.Total == 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "not of the whole run") {
		t.Fatalf("rebuilt: %+v", rep)
	}
}
