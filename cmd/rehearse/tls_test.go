package main

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// tlsRun runs a scenario against an https service of the test's own CA,
// with sutKeys added to its sut (", tls: {...}"), and returns the exit
// code, stderr, the run folder and how many health checks the service
// answered.
func tlsRun(t *testing.T, sutKeys string) (int, string, string, int64) {
	t.Helper()
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "127.0.0.1")
	var health atomic.Int64
	srv := p.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			health.Add(1)
		}
		_, _ = drain(r)
		w.WriteHeader(http.StatusCreated)
	}), tls.NoClientCert)
	sc := filepath.Join(dir, "s.yaml")
	src := "name: internal-ca\nsut: {url: \"" + srv.URL + "\"" + sutKeys + "}\ncallers: {count: 20, records: 2, timeout: 2s}\n" +
		"arrival: {profile: burst, window: 200ms}\ngates: [\"gave_up == 0\"]\n"
	if err := os.WriteFile(sc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, _, stderr := cli(t, "run", "--out", out, "--progress", "none", sc)
	return code, stderr, filepath.Join(out, "internal-ca"), health.Load()
}

// (b) A service behind a CA the scenario does not name: every attempt is
// class tls, the run says its first failure on stderr with what to set,
// and report.json keeps the verifier's words; the gate fails.
func TestTLSFailureIsSaid(t *testing.T) {
	code, stderr, run, _ := tlsRun(t, "")
	if code != exitFail {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	said := "tls: failed to verify certificate: x509: certificate signed by unknown authority (caller "
	if strings.Count(stderr, said) != 1 || !strings.Contains(stderr, "— set sut.tls.ca to the CA that signed the service's certificate") {
		t.Fatalf("stderr does not say the TLS failure once:\n%s", stderr)
	}
	if !strings.Contains(stderr, "first error of each class of internal-ca:\n  - tls at ") {
		t.Fatalf("the table lacks the tls example:\n%s", stderr)
	}
	b, err := os.ReadFile(filepath.Join(run, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Requests struct {
			Total         int64            `json:"total"`
			Errors        map[string]int64 `json:"errors"`
			ErrorExamples map[string]struct {
				Message string `json:"message"`
				Hint    string `json:"hint"`
			} `json:"error_examples"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	ex := rep.Requests.ErrorExamples["tls"]
	if rep.Requests.Total != 20 || rep.Requests.Errors["tls"] != 20 || rep.Requests.Errors["other"] != 0 ||
		!strings.Contains(ex.Message, "x509: certificate signed by unknown authority") || !strings.Contains(ex.Hint, "sut.tls.ca") {
		t.Fatalf("requests %+v", rep.Requests)
	}
	for _, f := range []string{"report.md", "report.html", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(run, f))
		if err != nil || !strings.Contains(string(b), "x509: certificate signed by unknown authority") {
			t.Errorf("%s lacks the x509 message (%v)", f, err)
		}
	}
}

// (e) insecure: the run succeeds, and every report says verification was
// off — report.json's notes, the terminal, Markdown and HTML.
func TestTLSInsecureIsInEveryReport(t *testing.T) {
	code, stderr, run, _ := tlsRun(t, ", tls: {insecure: true}")
	if code != exitOK || strings.Contains(stderr, "tls: failed") {
		t.Fatalf("exit %d, want 0; stderr %s", code, stderr)
	}
	const note = "TLS verification was off (sut.tls.insecure)"
	if !strings.Contains(stderr, "  - "+note) {
		t.Fatalf("the terminal lacks the note:\n%s", stderr)
	}
	b, err := os.ReadFile(filepath.Join(run, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Notes    []string `json:"notes"`
		Requests struct {
			OK int64 `json:"ok"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Requests.OK != 20 || strings.Count(strings.Join(rep.Notes, "\n"), note) != 1 {
		t.Fatalf("report.json ok %d notes %q (%v)", rep.Requests.OK, rep.Notes, err)
	}
	for _, f := range []string{"report.md", "report.html"} {
		b, err := os.ReadFile(filepath.Join(run, f))
		if err != nil || !strings.Contains(string(b), note) {
			t.Errorf("%s lacks the note (%v)", f, err)
		}
	}
}

// With the CA, the run passes: the uploads and the readiness check after
// sut.reset (at sut.health) both go over sut.tls.
func TestTLSWithTheCAPasses(t *testing.T) {
	code, stderr, _, health := tlsRun(t, `, tls: {ca: ca.pem}, health: /healthz, reset: {command: ["true"]}`)
	if code != exitOK || strings.Contains(stderr, "tls:") || health == 0 {
		t.Fatalf("exit %d, want 0; %d health checks answered; stderr %s", code, health, stderr)
	}
}
