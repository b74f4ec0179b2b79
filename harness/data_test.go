package harness

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/sut/teamapi"
)

// TestDeployHelper is the deploy command of TestUpgradeLosesDataRestorm
// (this test binary run again): an upgrade that loses every third
// tenant's data, by the service's own test hook.
func TestDeployHelper(t *testing.T) {
	target := os.Getenv("REHEARSE_TARGET")
	if os.Getenv("REHEARSE_DEPLOY_HELPER") != "1" || target == "" {
		t.Skip("run as an upgrade command only")
	}
	resp, err := http.Post(target+teamapi.LosePath+"?every=3", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("lose: %v %v", err, resp)
	}
	resp.Body.Close()
	fmt.Println("deployed v2: every third tenant's data is gone")
}

// TestUpgradeLosesDataRestorm: a team-shaped service started by hand,
// its callers' data preloaded, upgraded by a command that loses some of
// it. The report's invalidated callers and missing records equal the
// service's own count, and the restorm sends exactly those callers.
func TestUpgradeLosesDataRestorm(t *testing.T) {
	svc := teamapi.New(teamapi.Config{JobDelay: 10 * time.Millisecond})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	t.Setenv("REHEARSE_DEPLOY_HELPER", "1")
	sc := harnesstest.Scenario(t, `name: lose
sut: {url: "`+srv.URL+`"}
api:
  upload:
    path: "/api/v3/batches?tenant={caller}"
    body: {format: multipart, fields: {tenant: "{caller}"}, part: {format: csv}, csv_header: "id,value", record: "{record.id},{record.payload}"}
  completion: body
  status: {path: "/api/v3/jobs/{upload.id}", id_field: job.id}
  status_field: data.state
  done: [finished]
  verify: {path: "/api/v3/tenants/{caller}/records", ids_field: "records[].id"}
callers: {count: 60, records: 50, timeout: 5s}
arrival: {profile: burst, window: 500ms}
upgrade: {at: 1s, command: ["`+os.Args[0]+`", "-test.run=^TestDeployHelper$"]}
data: {preload: {records: 20, rate: 300}, verify: after_upgrade, restorm: invalidated}
gates: ["invalidated_callers == 20", "missing_records == 400", "completed == 20"]
`)
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	r, tr := res.Report, svc.Truth()
	d := r.Data
	if d == nil || d.PreloadedCallers != 60 || d.PreloadedRecords != 1200 || d.MissingRecords == nil || d.InvalidatedCallers == nil {
		t.Fatalf("data %+v", d)
	}
	if *d.MissingRecords != tr.LostRecords || *d.InvalidatedCallers != int64(len(tr.LostTenants)) || *d.UnreadableCallers != 0 {
		t.Fatalf("report: %d missing, %d invalidated; service lost %d records of %v", *d.MissingRecords, *d.InvalidatedCallers, tr.LostRecords, tr.LostTenants)
	}
	var restormed []string
	for tenant := range tr.AfterLoss {
		restormed = append(restormed, tenant)
	}
	slices.Sort(restormed)
	if !slices.Equal(restormed, tr.LostTenants) || r.Callers.Total != 20 || *d.Restormed != 20 {
		t.Fatalf("the restorm sent %v (%d callers), the service lost %v", restormed, r.Callers.Total, tr.LostTenants)
	}
	if r.Verdict != "pass" || r.Cutover == nil || r.Cutover.ExitCode == nil || *r.Cutover.ExitCode != 0 {
		t.Fatalf("verdict %s gates %+v cutover %+v", r.Verdict, r.Gates, r.Cutover)
	}
	log, err := os.ReadFile(res.Dir + "/logs/" + deployLog)
	if err != nil || !strings.Contains(string(log), "deployed v2") {
		t.Fatalf("deploy log: %v %q", err, log)
	}
}
