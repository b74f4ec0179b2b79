package storm

import (
	"crypto/tls"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut/tenantapi"
)

// tlsScenario parses a scenario beside the PKI's files (sut.tls's paths
// are relative to it) with the given sut.tls and rest.
func tlsScenario(t *testing.T, dir, url, tlsKeys, rest string) *scenarios.Scenario {
	t.Helper()
	src := "name: t\nsut: {url: \"" + url + "\""
	if tlsKeys != "" {
		src += ", tls: " + tlsKeys
	}
	sc, err := scenarios.Parse(filepath.Join(dir, "t.yaml"), []byte(src+"}\n"+rest))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// okHandler reads the upload and answers 201.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusCreated)
})

const tlsCallers = "callers: {count: 40, records: 3, timeout: 5s}\narrival: {profile: burst, window: 200ms}\n"

// allOK fails unless every one of n callers succeeded at its first try.
func allOK(t *testing.T, rep *reports.Report, n int64) {
	t.Helper()
	if rep.Requests.Total != n || rep.Requests.OK != n || rep.Callers.Succeeded != n || len(rep.Requests.Errors) != 0 {
		t.Fatalf("requests %+v callers %+v", rep.Requests, rep.Callers)
	}
}

// allTLS fails unless every attempt failed as class tls, with an example
// holding want and a hint naming hint.
func allTLS(t *testing.T, rep *reports.Report, want, hint string) {
	t.Helper()
	if rep.Requests.Total == 0 || rep.Requests.OK != 0 || rep.Requests.Errors[reports.ClassTLS] != rep.Requests.Total {
		t.Fatalf("requests %+v: want every attempt class tls", rep.Requests)
	}
	ex, ok := rep.Requests.ErrorExamples[reports.ClassTLS]
	if !ok || !strings.Contains(ex.Message, want) || !strings.Contains(ex.Hint, hint) {
		t.Fatalf("tls example %+v: want %q and a hint with %q", ex, want, hint)
	}
}

// (a) sut.tls.ca trusts the team's CA: every upload succeeds.
func TestTLSWithTheTeamsCA(t *testing.T) {
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "127.0.0.1")
	srv := p.Serve(t, okHandler, tls.NoClientCert)
	rep, st := run(t.Context(), t, tlsScenario(t, dir, srv.URL, "{ca: ca.pem}", tlsCallers), srv.URL)
	allOK(t, rep, 40)
	for _, n := range st.Notes {
		if n == scenarios.TLSInsecureNote {
			t.Fatalf("notes %q: verification was on", st.Notes)
		}
	}
}

// A new connection resumes the session of an earlier one: a caller whose
// every answer closes the connection (503, then 201) dials three times,
// one after the other, and the last two handshakes are resumed.
func TestTLSSessionsResume(t *testing.T) {
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "127.0.0.1")
	var n atomic.Int64
	srv := p.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Connection", "close")
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}), tls.NoClientCert)
	sc := tlsScenario(t, dir, srv.URL, "{ca: ca.pem}",
		"callers: {count: 1, records: 1, timeout: 5s, retry: {attempts: 3, backoff: none, on: [5xx]}}\n")
	rep, _ := run(t.Context(), t, sc, srv.URL)
	if rep.Requests.Total != 3 || rep.Requests.OK != 1 || srv.Handshakes.Load() != 3 || srv.Resumed.Load() != 2 {
		t.Fatalf("requests %+v; %d handshakes, %d resumed", rep.Requests, srv.Handshakes.Load(), srv.Resumed.Load())
	}
}

// (b) Without the CA every attempt is class tls, with the verifier's
// words as its example and what to set as its hint.
func TestTLSWithoutTheCAIsClassTLS(t *testing.T) {
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "127.0.0.1")
	var served atomic.Int64
	srv := p.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		okHandler(w, r)
	}), tls.NoClientCert)
	rep, _ := run(t.Context(), t, tlsScenario(t, dir, srv.URL, "", tlsCallers), srv.URL)
	allTLS(t, rep, "x509: certificate signed by unknown authority", "sut.tls.ca")
	if served.Load() != 0 {
		t.Fatalf("the service answered %d requests", served.Load())
	}
}

// (c) A service that requires a client certificate takes the uploads
// with sut.tls.client_cert and client_key, and refuses every one without.
func TestTLSClientCertificate(t *testing.T) {
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "127.0.0.1")
	srv := p.Serve(t, okHandler, tls.RequireAndVerifyClientCert)
	with := tlsScenario(t, dir, srv.URL, "{ca: ca.pem, client_cert: client.pem, client_key: client.key}", tlsCallers)
	rep, _ := run(t.Context(), t, with, srv.URL)
	allOK(t, rep, 40)

	rep, _ = run(t.Context(), t, tlsScenario(t, dir, srv.URL, "{ca: ca.pem}", tlsCallers), srv.URL)
	allTLS(t, rep, "certificate required", "sut.tls.client_cert")

	// ~2 MB bodies: under TLS 1.3 the refusal comes after the handshake,
	// while the body is written, and the connection is reset after it.
	// The alert, not the reset, is the attempt's class.
	big := "callers: {count: 10, records: 8000, timeout: 10s}\narrival: {profile: burst, window: 200ms}\n"
	rep, _ = run(t.Context(), t, tlsScenario(t, dir, srv.URL, "{ca: ca.pem}", big), srv.URL)
	allTLS(t, rep, "certificate required", "sut.tls.client_cert")
}

// (d) A certificate for api.internal served on 127.0.0.1: the name does
// not match without server_name, and verifies with it.
func TestTLSServerName(t *testing.T) {
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "api.internal")
	srv := p.Serve(t, okHandler, tls.NoClientCert)
	rep, _ := run(t.Context(), t, tlsScenario(t, dir, srv.URL, "{ca: ca.pem}", tlsCallers), srv.URL)
	allTLS(t, rep, "x509: cannot validate certificate for 127.0.0.1", "sut.tls.server_name")

	rep, _ = run(t.Context(), t, tlsScenario(t, dir, srv.URL, "{ca: ca.pem, server_name: api.internal}", tlsCallers), srv.URL)
	allOK(t, rep, 40)
}

// (e) insecure takes any certificate, and the storm's notes say
// verification was off.
func TestTLSInsecureSaysSo(t *testing.T) {
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "api.internal")
	srv := p.Serve(t, okHandler, tls.NoClientCert)
	rep, st := run(t.Context(), t, tlsScenario(t, dir, srv.URL, "{insecure: true}", tlsCallers), srv.URL)
	allOK(t, rep, 40)
	found := false
	for _, n := range st.Notes {
		found = found || n == scenarios.TLSInsecureNote
	}
	if !found {
		t.Fatalf("notes %q: want %q", st.Notes, scenarios.TLSInsecureNote)
	}
}

// (f) Completion by body over TLS: the status polls and the read-back go
// over the scenario's TLS too, and the service's journal agrees with the
// report — every upload done, every poll and read answered.
func TestTLSStatusPollsAndReadBack(t *testing.T) {
	dir := t.TempDir()
	p := testenv.NewPKI(t, dir, "127.0.0.1")
	keys := tenants(t, dir, 30)
	svc := tenantapi.New(tenantapi.Config{Keys: keys, OpDelay: 20 * time.Millisecond})
	srv := p.Serve(t, svc.Handler(), tls.RequireAndVerifyClientCert)
	sc := tlsScenario(t, dir, srv.URL, "{ca: ca.pem, client_cert: client.pem, client_key: client.key}", tenantScenario)
	rep, _ := run(t.Context(), t, sc, srv.URL)
	j := svc.Journal()
	a := rep.Async
	if a == nil || a.Accepted != 30 || a.Completed != 30 || j.Done != 30 || a.Polls != j.Polls || j.Polls == 0 ||
		len(a.PollErrors) != 0 || len(j.Unauthorized) != 0 || rep.Requests.OK != 30 {
		t.Fatalf("report requests %+v async %+v\nservice %+v", rep.Requests, a, j)
	}
	callers := make([]int, 30)
	for i := range callers {
		callers[i] = i
	}
	check, err := VerifyData(t.Context(), sc, srv.URL, callers, 5, VerifyOptions{Deadline: 5 * time.Second})
	if err != nil || check.Verified != 150 || check.Unreadable != 0 || check.Missing != 0 || len(svc.Reads()) != 30 {
		t.Fatalf("read-back %+v err %v; the service answered %d reads", check, err, len(svc.Reads()))
	}
}
