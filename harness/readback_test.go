package harness

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut/tenantapi"
)

// TestTenantDeployHelper is the deploy command of TestReadBacksAtEachPoint
// (this test binary run again): an upgrade that loses every third
// tenant's data now, and every fourth's a little later, as a crash after
// the upgrade would.
func TestTenantDeployHelper(t *testing.T) {
	target := os.Getenv("REHEARSE_TARGET")
	if os.Getenv("REHEARSE_TENANT_HELPER") != "1" || target == "" {
		t.Skip("run as an upgrade command only")
	}
	resp, err := http.Post(target+"/debug/lose?every=3&later=4", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("lose: %v %v", err, resp)
	}
	resp.Body.Close()
}

// TestReadBacksAtEachPoint: data.verify [after_upgrade, end] reads the
// preloaded data back twice, the callers' keys on every read; each
// read-back's missing records equal what the service itself answered to
// that read-back, and the end one also sees the loss after the upgrade.
func TestReadBacksAtEachPoint(t *testing.T) {
	dir := t.TempDir()
	keys := map[string]string{}
	var csv strings.Builder
	csv.WriteString("tenant,api_key\n")
	for i := range 30 {
		keys[fmt.Sprintf("t%03d", i)] = fmt.Sprintf("key-%03d-c0ffee", i)
		fmt.Fprintf(&csv, "t%03d,key-%03d-c0ffee\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "tenants.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	svc := tenantapi.New(tenantapi.Config{Keys: keys, OpDelay: 10 * time.Millisecond})
	later := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/", svc.Handler())
	mux.HandleFunc("POST /debug/lose", func(w http.ResponseWriter, r *http.Request) {
		every, _ := strconv.Atoi(r.URL.Query().Get("every"))
		again, _ := strconv.Atoi(r.URL.Query().Get("later"))
		svc.Lose(every)
		time.AfterFunc(300*time.Millisecond, func() { svc.Lose(again); close(later) })
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	t.Setenv("REHEARSE_TENANT_HELPER", "1")
	src := `name: readback
sut: {url: "` + srv.URL + `"}
api:
  headers: {X-Api-Key: "{var.api_key}", X-Tenant-ID: "{caller}"}
  upload: {method: PUT, path: /v2/datasets/orders, body: {format: ndjson}}
  completion: body
  status: {path: "/v2/operations/{upload.id}", id_field: operation}
  done_when: "done == true && error == null"
  failed_when: "error != null"
  verify: {path: /v2/records, ids_field: "records[].id"}
callers:
  from: {file: tenants.csv, name: tenant, secret: [api_key]}
  records: 3
  timeout: 5s
arrival: {profile: ramp, window: 5s}
upgrade: {at: 300ms, command: ["` + os.Args[0] + `", "-test.run=^TestTenantDeployHelper$"]}
data: {preload: {records: 10, rate: 300}, verify: [after_upgrade, end]}
`
	sc, err := scenarios.Parse(filepath.Join(dir, "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	<-later
	reads := svc.Reads()
	d := res.Report.Data
	if d == nil || len(d.ReadBacks) != 2 || len(reads) != 60 {
		t.Fatalf("data %+v, the service answered %d reads", d, len(reads))
	}
	for k, rb := range d.ReadBacks {
		var missing, tenants int64
		for _, rd := range reads[30*k : 30*(k+1)] {
			c, _ := strconv.Atoi(strings.TrimPrefix(rd.Tenant, "t"))
			miss := int64(0)
			for j := range 10 {
				if !slices.Contains(rd.IDs, scenarios.RecordID(c, j)) {
					miss++
				}
			}
			missing += miss
			if miss > 0 {
				tenants++
			}
		}
		if rb.MissingRecords != missing || rb.InvalidatedCallers != tenants || rb.UnreadableCallers != 0 || missing == 0 {
			t.Fatalf("read-back %s: %+v; the service's answers miss %d records of %d tenants", rb.Point, rb, missing, tenants)
		}
	}
	if d.ReadBacks[0].Point != "after_upgrade" || d.ReadBacks[1].Point != "end" || *d.MissingRecords != d.ReadBacks[1].MissingRecords {
		t.Fatalf("read-backs %+v, top level missing %d", d.ReadBacks, *d.MissingRecords)
	}
	if j := svc.Journal(); len(j.Unauthorized) != 0 {
		t.Fatalf("refused: %v", j.Unauthorized)
	}
}
