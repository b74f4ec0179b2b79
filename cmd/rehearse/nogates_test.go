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

// TestNoGatesRunIsNotPass: attack with a scenario without gates against a
// service that answers every request 500 exits 0 (nothing was checked,
// nothing failed) but never says PASS: the verdict line, the table and
// report.json say NO GATES, and the error rate, 100%, stands beside it.
func TestNoGatesRunIsNotPass(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = drain(r)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	sc := writeScenario(t, `name: ungated
sut: {url: `+srv.URL+`}
callers: {count: 20, records: 2, timeout: 2s}
arrival: {profile: burst, window: 200ms}
`)
	out := t.TempDir()
	code, stdout, stderr := cli(t, "attack", "--target", srv.URL, "--out", out, "--progress", "none", sc)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr %s", code, stderr)
	}
	all := stdout + stderr
	if strings.Contains(all, "PASS") {
		t.Errorf("a run without gates printed PASS:\n%s", all)
	}
	for _, want := range []string{"ungated: NO GATES (nothing was checked), error rate 100% (20 of 20 requests)", "| error rate ", "100% (20 of 20)"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "ungated", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Verdict string `json:"verdict"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Verdict != "no gates" {
		t.Fatalf("report.json verdict %q (%v)", rep.Verdict, err)
	}
	for _, f := range []string{"report.md", "report.html", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(out, "ungated", f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "NO GATES (nothing was checked)") || strings.Contains(string(b), "PASS") {
			t.Errorf("%s does not say NO GATES, or says PASS", f)
		}
	}
}
