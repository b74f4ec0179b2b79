package harness

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut/teamapi"
)

// TestBuiltinTeamAPI runs the built-in team-api scenario, scaled down, in
// its container: templates, completion by body, two classes and
// Retry-After all show in the report.
func TestBuiltinTeamAPI(t *testing.T) {
	r := runBuiltin(t, "team-api", func(sc *scenarios.Scenario) {
		sc.Callers.Count = 200
		sc.Arrival.Window = scenarios.Duration(2 * time.Second) // 100 callers/s against 40 uploads/s
	})
	erp, batch := r.Classes["erp"], r.Classes["batch"]
	if r.Verdict != "pass" || erp == nil || batch == nil || erp.Callers != 140 || batch.Callers != 60 {
		t.Fatalf("verdict %s gates %+v classes erp %+v batch %+v", r.Verdict, r.Gates, erp, batch)
	}
	if r.Async == nil || r.Async.Accepted != r.Callers.Succeeded || r.Async.Completed != r.Async.Accepted || r.BadAnswer != nil {
		t.Fatalf("async %+v callers %+v bad answer %+v", r.Async, r.Callers, r.BadAnswer)
	}
	if r.Requests.Status["429"] == 0 || erp.RetryAfterWaits == 0 || r.Requests.Status["400"] != 0 || r.Requests.Status["401"] != 0 {
		t.Fatalf("status %v, erp waited for Retry-After %d times", r.Requests.Status, erp.RetryAfterWaits)
	}
}

// TestSecretNowhereInTheRunFolder: a token read from the environment
// reaches the service (which counts no 401) and no file of the run.
func TestSecretNowhereInTheRunFolder(t *testing.T) {
	const token = "s3cret-77c1d09e"
	svc := teamapi.New(teamapi.Config{Token: token, JobDelay: 20 * time.Millisecond})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	t.Setenv("TEAM_TOKEN", token)
	sc := harnesstest.Scenario(t, `name: secret
sut: {url: "`+srv.URL+`"}
api:
  upload:
    path: "/api/v3/batches?tenant={caller}"
    headers: {Authorization: "Bearer ${TEAM_TOKEN}"}
    body: {format: multipart, fields: {tenant: "{caller}"}, part: {format: csv}, csv_header: "id,value", record: "{record.id},{record.payload}"}
  completion: body
  status: {path: "/api/v3/jobs/{upload.id}", id_field: job.id}
  status_field: data.state
  done: [finished]
callers: {count: 40, records: 10, timeout: 5s}
arrival: {profile: burst, window: 500ms}
gates: ["completed == 40"]
`)
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	tr := svc.Truth()
	if res.Report.Verdict != "pass" || tr.Unauthorized != 0 || tr.Accepted != 40 || tr.Finished != 40 || res.Report.Requests.Total != tr.Requests {
		t.Fatalf("verdict %s, service %+v, report requests %d", res.Report.Verdict, tr, res.Report.Requests.Total)
	}
	err = filepath.Walk(res.Dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(token)) {
			t.Errorf("the token is in %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
