package storm

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/sut/flowapi"
)

// multipartFlow is the scenario of a caller of flowapi: 30
// callers, each 50 records of 1,000 raw bytes (50,000 bytes: parts of
// 16 KiB make 4, the last 848 bytes).
const multipartFlow = `callers:
  count: 30
  records: 50
  record_bytes: 1000
  vars: {client_secret: s3cr3t}
  retry: {attempts: 2, backoff: constant, base: 10ms, jitter: none, on: [4xx, 5xx]}
arrival: {profile: poisson, rate: 300}
api:
  login:
    path: /oauth/token
    body: {format: form, fields: {grant_type: client_credentials, client_id: "{caller}", client_secret: "{var.client_secret}-{caller}"}}
    save: {token: access_token, ttl: expires_in}
  headers: {Authorization: "Bearer {login.token}"}
  upload:
    body: {format: raw}
    steps:
      - {method: POST, path: /uploads, save: {id: uploadId}}
      - {method: PUT, path: "/uploads/{step.id}/parts/{part.n}", parts: {size: 16KiB, concurrency: %d}}
      - {method: POST, path: "/uploads/{step.id}/complete"}
`

// TestFlowLoginAndParts: every caller logs in, creates its upload, sends
// its 4 parts and completes it; tokens good for 3 requests make each
// caller's 4th request a 401, after which it logs in again and sends
// that request once more. Every count of the report — logins, refreshes,
// requests sent again, parts, bytes, completions — equals the service's.
func TestFlowLoginAndParts(t *testing.T) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency %d", conc), func(t *testing.T) {
			svc := flowapi.New(flowapi.Config{Secret: "s3cr3t", TokenUses: 3})
			var j journal
			srv := j.serve(t, svc.Handler().ServeHTTP, nil)
			sc := scenario(t, srv.URL, fmt.Sprintf(multipartFlow, conc))
			rep, _ := run(t.Context(), t, sc, srv.URL)
			got := svc.Journal()
			lg := rep.Login
			if lg == nil || len(rep.Steps) != 3 {
				t.Fatalf("login %+v steps %+v", lg, rep.Steps)
			}
			if got.Completed != 30 || rep.Callers.Succeeded != 30 || rep.Requests.OK != 30 || got.StoredBytes != 30*50_000 {
				t.Fatalf("service %+v; report callers %+v requests %+v", got, rep.Callers, rep.Requests)
			}
			if lg.Attempts != got.Logins || lg.Errors != 0 || lg.Refreshes != got.Refreshes || lg.Retried != got.Refused || got.Refused == 0 {
				t.Fatalf("login %+v; service %+v", lg, got)
			}
			var sent, failed, bytes int64
			for _, st := range rep.Steps {
				sent, failed, bytes = sent+st.Attempts, failed+st.Errors, bytes+st.BytesOut
			}
			if sent != got.Requests() || failed != got.Refused || bytes != got.PartBytes+got.RefusedBytes ||
				rep.Steps[1].Name != "PUT /uploads/{step.id}/parts/{part.n}" {
				t.Fatalf("steps %+v; service %+v", rep.Steps, got)
			}
		})
	}
}

// TestFlowLoginRefreshesBeforeTTL: a token good for 1 s (expires_in 1),
// and a first part that takes 1.1 s: the caller logs in again before its
// next request (at 90% of the ttl) instead of sending a dead token — no
// request is refused.
func TestFlowLoginRefreshesBeforeTTL(t *testing.T) {
	svc := flowapi.New(flowapi.Config{Secret: "s3cr3t", TokenTTL: time.Second, PartDelay: 1100 * time.Millisecond})
	var j journal
	srv := j.serve(t, svc.Handler().ServeHTTP, nil)
	sc := scenario(t, srv.URL, strings.NewReplacer("count: 30", "count: 5", "size: 16KiB", "size: 32KiB").Replace(fmt.Sprintf(multipartFlow, 1)))
	rep, _ := run(t.Context(), t, sc, srv.URL)
	got := svc.Journal()
	// Each caller: a login, a part of 1.1 s, a login before the second
	// part (90% of 1 s gone), a part of 1.1 s, a login before completing.
	if got.Refused != 0 || got.Completed != 5 || rep.Login.Refreshes != 10 || rep.Login.Attempts != 15 || got.Logins != 15 {
		t.Fatalf("service %+v; report login %+v", got, rep.Login)
	}
}

// TestFlowLoginFails: callers whose login is refused end as login_failed
// — no upload sent, not counted as gave up — and the storm goes on for
// the others; a login that never answers is counted as a login error
// (its timeout) the same way.
func TestFlowLoginFails(t *testing.T) {
	inner := flowapi.New(flowapi.Config{Secret: "s3cr3t"})
	var j journal
	srv := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == flowapi.TokenPath {
			_ = r.ParseForm()
			switch id := r.PostForm.Get("client_id"); {
			case strings.HasSuffix(id, "3"):
				http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
				return
			case strings.HasSuffix(id, "7"):
				<-r.Context().Done() // never answers
				return
			}
		}
		inner.Handler().ServeHTTP(w, r)
	}, nil)
	// Callers 3 and 13 are refused (4xx, not retried); 7 and 17 meet a
	// login that never answers (their timeout, not retried either: only
	// 5xx is).
	src := strings.NewReplacer("count: 30", "count: 20", "on: [4xx, 5xx]", "on: [5xx]",
		"retry:", "timeout: 500ms\n  retry:").Replace(fmt.Sprintf(multipartFlow, 1))
	sc := scenario(t, srv.URL, src)
	rep, _ := run(t.Context(), t, sc, srv.URL)
	got := inner.Journal()
	if rep.Callers.LoginFailed != 4 || rep.Callers.Succeeded != 16 || rep.Callers.GaveUp != 0 || got.Completed != 16 {
		t.Fatalf("callers %+v; service %+v", rep.Callers, got)
	}
	if rep.Login.Errors != 4 || rep.Login.Attempts != 20 || rep.Login.Example == nil || rep.Requests.Total != 16 || got.Logins != 16 {
		t.Fatalf("login %+v requests %+v; service %+v", rep.Login, rep.Requests, got)
	}
}
