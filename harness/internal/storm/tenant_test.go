package storm

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut/tenantapi"
)

// tenantScenario is a storm against the tenant API as a team would
// describe it: the tenant only in a header, a key per tenant on every
// request from callers.from, NDJSON by PUT, the operation polled until
// `done == true && error == null`.
const tenantScenario = `api:
  headers: {X-Api-Key: "{var.api_key}", X-Tenant-ID: "{caller}"}
  upload:
    method: PUT
    path: /v2/datasets/orders
    body: {format: ndjson, record: '{"id":"{record.id}","v":"{record.payload}"}'}
  completion: body
  status: {path: "/v2/operations/{upload.id}", id_field: operation}
  done_when: "done == true && error == null"
  failed_when: "error != null"
  verify: {path: /v2/records, ids_field: "records[].id"}
callers:
  from: {file: tenants.csv, name: tenant, secret: [api_key]}
  records: 5
  record_bytes: 32
  timeout: 5s
arrival: {profile: burst, window: 300ms}
run: {max_duration: 1m, drain_timeout: 10s}
`

// tenants writes n tenants and their keys to dir/tenants.csv.
func tenants(t *testing.T, dir string, n int) map[string]string {
	t.Helper()
	keys := map[string]string{}
	var b strings.Builder
	b.WriteString("tenant,api_key\n")
	for i := range n {
		name, key := fmt.Sprintf("t%03d", i), fmt.Sprintf("k-%03d-9f2c41e7", i)
		keys[name] = key
		fmt.Fprintf(&b, "%s,%s\n", name, key)
	}
	if err := os.WriteFile(filepath.Join(dir, "tenants.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return keys
}

// tenantRun parses src next to the tenants file and storms url with it.
func tenantRun(t *testing.T, dir, url, src string) (*reports.Report, string) {
	t.Helper()
	sc, err := scenarios.Parse(filepath.Join(dir, "t.yaml"), []byte("name: t\nsut: {url: \""+url+"\"}\n"+src))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := run(t.Context(), t, sc, url)
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return rep, string(b)
}

// TestTenantAPICountsMatchItsJournal: every async figure equals what the
// service journaled — accepted, completed, failed (it said so), vanished
// (it forgot the operation: 404 after the 202) — and no request was
// refused: the keys reached the polls too. No key is in the report.
func TestTenantAPICountsMatchItsJournal(t *testing.T) {
	dir := t.TempDir()
	keys := tenants(t, dir, 60)
	svc := tenantapi.New(tenantapi.Config{Keys: keys, OpDelay: 30 * time.Millisecond, FailEvery: 7, ForgetEvery: 5})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	rep, text := tenantRun(t, dir, srv.URL, tenantScenario)
	j := svc.Journal()
	a := rep.Async
	if a == nil || a.Accepted != j.Uploads || a.Completed != j.Done || a.Failed != j.Failed || a.Vanished != j.Forgotten ||
		a.Unfinished != 0 || a.Lost != j.Failed+j.Forgotten || j.Uploads != 60 || j.Failed == 0 || j.Forgotten == 0 {
		t.Fatalf("report async %+v\nservice %+v", a, j)
	}
	if len(j.Unauthorized) != 0 || a.NotMeasured != "" || a.Polls != j.Polls || a.PollErrors["404"] != j.Polls404 {
		t.Fatalf("refused %v; report polls %d %v, service %d polls, %d 404", j.Unauthorized, a.Polls, a.PollErrors, j.Polls, j.Polls404)
	}
	for _, k := range keys {
		if strings.Contains(text, k) {
			t.Fatalf("key %s is in the report", k)
		}
	}
}

// TestRefusedPollsAreNotLost: with the key on the uploads only, every
// poll is refused; the report counts the 401s as the service journaled
// them, calls the outcomes not measured, and loses nothing.
func TestRefusedPollsAreNotLost(t *testing.T) {
	dir := t.TempDir()
	keys := tenants(t, dir, 30)
	svc := tenantapi.New(tenantapi.Config{Keys: keys, OpDelay: 10 * time.Millisecond})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	src := strings.Replace(tenantScenario, `  headers: {X-Api-Key: "{var.api_key}", X-Tenant-ID: "{caller}"}
  upload:
`, `  upload:
    headers: {X-Api-Key: "{var.api_key}", X-Tenant-ID: "{caller}"}
`, 1)
	src = strings.Replace(src, "drain_timeout: 10s", "drain_timeout: 1s", 1)
	rep, text := tenantRun(t, dir, srv.URL, src)
	j := svc.Journal()
	a := rep.Async
	if a == nil || a.Accepted != 30 || a.PollErrors["401"] != j.Unauthorized["poll"] || a.Polls != j.Polls || j.Unauthorized["poll"] == 0 ||
		!strings.Contains(a.NotMeasured, "status polls were refused (401:") || !strings.Contains(a.PollErrorExample, "answered 401") {
		t.Fatalf("report async %+v\nservice %+v", a, j)
	}
	if _, ok := reports.Variables(rep)["lost"]; ok || !strings.Contains(text, `"lost":null`) {
		t.Fatalf("lost is measured: %s", text)
	}
}

// TestReadBackRetriesARefusedConnection: a service that is not listening
// yet when the read-back starts (a deploy script that returned early) is
// retried until it is; a caller it never answers for is unreadable, the
// others are measured.
func TestReadBackRetriesARefusedConnection(t *testing.T) {
	dir := t.TempDir()
	keys := tenants(t, dir, 20)
	svc := tenantapi.New(tenantapi.Config{Keys: keys})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens: the first reads are refused
	delete(keys, "t007")
	sc, err := scenarios.Parse(filepath.Join(dir, "t.yaml"), []byte("name: t\nsut: {url: \"http://"+addr+"\"}\n"+tenantScenario))
	if err != nil {
		t.Fatal(err)
	}
	callers := make([]int, 20)
	for i := range callers {
		callers[i] = i
	}
	up := make(chan *http.Server, 1)
	go func() {
		time.Sleep(300 * time.Millisecond) // the new version starts listening later
		l, err := net.Listen("tcp", addr)
		if err != nil {
			up <- nil
			return
		}
		s := &http.Server{Handler: svc.Handler()}
		up <- s
		_ = s.Serve(l)
	}()
	check, err := VerifyData(context.Background(), sc, "http://"+addr, callers, 0, VerifyOptions{Deadline: 10 * time.Second})
	s := <-up
	if s == nil {
		t.Skip("the port was taken before the service could listen again")
	}
	defer s.Close()
	if err != nil || check.Unreadable != 1 || !strings.Contains(check.Example, "answered 401") || len(svc.Reads()) != 19 {
		t.Fatalf("check %+v err %v, the service answered %d reads", check, err, len(svc.Reads()))
	}
}

// TestTenantLoginTokensRunOut: the tenant API trading each tenant's key
// for a bearer token good for 2 requests (api.login). Every tenant logs
// in, uploads, and its polls meet a spent token: a 401, a refresh, and
// the next poll goes with the new one; the read-back logs each tenant in
// again. Every upload is done and read back; the service's logins are
// the report's plus the read-back's, its refreshes the report's plus 30.
func TestTenantLoginTokensRunOut(t *testing.T) {
	dir := t.TempDir()
	keys := tenants(t, dir, 30)
	svc := tenantapi.New(tenantapi.Config{Keys: keys, OpDelay: 30 * time.Millisecond, TokenUses: 2})
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	loginFlow := strings.Replace(tenantScenario, `  headers: {X-Api-Key: "{var.api_key}", X-Tenant-ID: "{caller}"}`,
		`  login:
    path: /oauth/token
    body: {fields: {grant_type: client_credentials, client_id: "{caller}", client_secret: "{var.api_key}"}}
    save: {token: access_token}
  headers: {Authorization: "Bearer {login.token}", X-Tenant-ID: "{caller}"}`, 1)
	sc, err := scenarios.Parse(filepath.Join(dir, "t.yaml"), []byte("name: t\nsut: {url: \""+srv.URL+"\"}\n"+loginFlow))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := run(t.Context(), t, sc, srv.URL)
	j := svc.Journal()
	if a := rep.Async; a == nil || a.Completed != 30 || j.Done != 30 || rep.Requests.OK != 30 || j.Unauthorized["upload"] != 0 {
		t.Fatalf("report requests %+v async %+v\nservice %+v", rep.Requests, rep.Async, j)
	}
	lg := rep.Login
	if lg == nil || lg.Attempts != j.Logins || lg.Errors != 0 || lg.Refreshes != j.Refreshes || lg.Refreshes == 0 || j.Unauthorized["poll"] == 0 {
		t.Fatalf("login %+v; service %+v", lg, j)
	}
	callers := make([]int, 30)
	for i := range callers {
		callers[i] = i
	}
	check, err := VerifyData(t.Context(), sc, srv.URL, callers, 5, VerifyOptions{Deadline: 5 * time.Second})
	if j2 := svc.Journal(); err != nil || check.Verified != 150 || check.Unreadable != 0 || j2.Logins != j.Logins+30 || j2.Unauthorized["read"] != 0 {
		t.Fatalf("read-back %+v err %v; service %+v", check, err, j2)
	}
}
