package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tenantScenario is a scenario next to testdata/callers/tenants.csv whose
// callers come from it: the tenant in a header, a key per tenant on every
// request.
const tenantScenario = `name: tenants
sut: {url: "http://127.0.0.1:1"}
api:
  headers: {X-Api-Key: "{var.api_key}", x-tenant-id: "wrong"}
  upload:
    method: PUT
    path: /v2/datasets/orders
    headers: {X-Tenant-ID: "{caller}", X-Region: "{var.region}"}
    body: {format: ndjson}
  completion: body
  status: {path: "/v2/operations/{upload.id}", id_field: operation, headers: {X-Trace: "{caller}-{upload.id}"}}
  done_when: "done == true && error == null"
  failed_when: "error != null"
  verify: {path: /v2/records, ids_field: "records[].id", headers: {X-Tenant-ID: "{caller}"}}
  list: {path: /v2/uploads, headers: {X-Tenant-ID: "{caller}"}}
callers:
  from: {file: tenants.csv, name: tenant, secret: [api_key]}
  records: 2
`

func parseIn(t *testing.T, dir, src string) (*Scenario, error) {
	t.Helper()
	return Parse(filepath.Join(dir, "s.yaml"), []byte(src))
}

// TestCallersFromFile: the file's rows are the callers (its row count is
// callers.count), its name column is {caller}, its columns are
// {var.COLUMN}; api.headers go on every request, the request's own
// headers win over them; secret columns are secrets.
func TestCallersFromFile(t *testing.T) {
	sc, err := parseIn(t, "testdata/callers", tenantScenario)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Callers.Count != 3 {
		t.Fatalf("count %d, want the file's 3 rows", sc.Callers.Count)
	}
	r, pop := requests(t, sc)
	if c := pop.Caller(1); c.Name != "globex" || !strings.HasSuffix(c.IdempotencyKey, "-globex") {
		t.Fatalf("caller 1: %+v", c)
	}
	up := header(t, r, 1, 1)
	if up.Get("X-Tenant-Id") != "globex" || up.Get("X-Api-Key") != "k-globex-2" || up.Get("X-Region") != "us" ||
		up.Get("Content-Type") != "application/x-ndjson" || len(up["X-Tenant-Id"]) != 1 {
		t.Fatalf("upload headers %v", up)
	}
	if p := r.Path(1, 1); p != "/v2/datasets/orders" {
		t.Fatalf("path %q", p)
	}
	st := r.StatusHeader(2, "op-9")
	if st.Get("X-Api-Key") != "k-initech-3" || st.Get("X-Trace") != "initech-op-9" || st.Get("X-Tenant-Id") != "wrong" {
		t.Fatalf("status headers %v", st)
	}
	if v := r.VerifyHeader(0); v.Get("X-Api-Key") != "k-acme-1" || v.Get("X-Tenant-Id") != "acme" || len(v) != 2 {
		t.Fatalf("verify headers %v", v)
	}
	if l := r.ListHeader(0); l.Get("X-Tenant-Id") != "acme" || r.ListPath(0) != "/v2/uploads" {
		t.Fatalf("list %q %v", r.ListPath(0), l)
	}
	if got := r.Redact("key k-globex-2 and k-acme-1 for globex"); got != "key [redacted] and [redacted] for globex" {
		t.Fatalf("redacted %q", got)
	}
	if s := r.Secrets(); len(s) != 3 {
		t.Fatalf("secrets %d, want the 3 keys", len(s))
	}
}

// TestCallersFromErrors: each problem of callers.from at the key it
// comes from.
func TestCallersFromErrors(t *testing.T) {
	const at = "testdata/callers/s.yaml:"
	for _, c := range []struct{ from, to, want string }{
		{"file: tenants.csv", "file: nope.csv", "17:16: callers.from.file: read callers: nope.csv: no such file or directory"},
		{"name: tenant,", "name: tenantt,", `17:35: callers.from.name: tenants.csv has no column "tenantt" (columns: tenant, api_key, region)`},
		{"secret: [api_key]", "secret: [apikey]", `17:52: callers.from.secret[0]: tenants.csv has no column "apikey" (columns: tenant, api_key, region)`},
		{"file: tenants.csv", "file: dup.csv", `17:31: callers.from.name: dup.csv:4: caller "acme" is named twice (first on line 2)`},
		{"file: tenants.csv", "file: empty.csv", "17:16: callers.from.file: read callers: empty.csv holds no caller: want one row a caller after the header"},
		{"records: 2", "records: 2\n  count: 5", "19:10: callers.count: is 5, but tenants.csv holds 3 callers: leave count out to take the file's"},
	} {
		_, err := parseIn(t, "testdata/callers", strings.Replace(tenantScenario, c.from, c.to, 1))
		if err == nil || err.Error() != at+c.want {
			t.Errorf("%s:\ngot  %v\nwant %s", c.to, err, at+c.want)
		}
	}
}

// TestSecretColumnStaysOutOfURLs: a secret column may go where a ${NAME}
// may, never in a path or a body.
func TestSecretColumnStaysOutOfURLs(t *testing.T) {
	src := strings.Replace(tenantScenario, "path: /v2/datasets/orders", "path: /v2/datasets/{var.api_key}", 1)
	_, err := parseIn(t, "testdata/callers", src)
	if err == nil || !strings.Contains(err.Error(), "api.upload.path: {var.api_key} is a secret column of callers.from") {
		t.Fatalf("got %v", err)
	}
}

// TestCallerAnywhere: the caller may be in a header, a form field or
// nowhere at all; the path need not hold it.
func TestCallerAnywhere(t *testing.T) {
	dir := t.TempDir()
	for _, api := range []string{
		"api: {upload: \"POST /files/\"}",
		"api: {upload: {path: /in, headers: {X-Tenant: \"{caller}\"}}}",
		"api: {upload: {path: /in, body: {format: multipart, fields: {tenant: \"{caller}\"}, part: {format: csv}}}}",
		"api: {upload: {path: /in, body: {format: ndjson, record: '{\"t\":\"{caller}\",\"id\":\"{record.id}\"}'}}}",
	} {
		src := "name: a\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 2}\n" + api + "\n"
		if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := parseIn(t, dir, src); err != nil {
			t.Errorf("%s: %v", api, err)
		}
	}
}
