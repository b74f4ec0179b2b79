package scenarios

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// teamAPI is a scenario in the long form of §4.7 and §4.8: a multipart CSV
// upload behind a bearer token, completion by body, two classes.
const teamAPI = `name: team
sut: {url: "http://127.0.0.1:1"}
api:
  upload:
    path: "/api/v3/batches?tenant={caller}"
    headers: {Authorization: "Bearer ${REHEARSE_TEST_TOKEN}", X-Trace: "{attempt.key}"}
    body:
      format: multipart
      record: "{record.id},{record.payload}"
      csv_header: "id,value"
      part: {filename: "{caller}.csv"}
      fields: {tenant: "{caller}"}
  completion: body
  status: {path: "/api/v3/jobs/{upload.id}", id_field: job.id}
  status_field: data.state
  done: [finished]
  verify: {path: "/api/v3/tenants/{caller}/records", ids_field: "records[].id"}
callers:
  count: 3000
  timeout: 10s
  classes:
    - {name: erp, weight: 70, records: {median: 200, p99: 2000}}
    - {name: batch, weight: 30, records: 7000, timeout: 5s, retry: {attempts: 10, backoff: none, budget: none}}
  retry:
    attempts: 4
    retry_after: honor
    budget: 0.2
    breaker: {failures: 5, open: 30s}
gates: ["gave_up[erp] == 0", "amplification < 1.5"]
signature: ["retries[batch] > 0"]
`

func TestLongFormParses(t *testing.T) {
	t.Setenv("REHEARSE_TEST_TOKEN", "t0ken")
	sc, err := Parse("team.yaml", []byte(teamAPI))
	if err != nil {
		t.Fatal(err)
	}
	u := sc.API.Upload
	if u.Method != "POST" || u.Body.Format != FormatMultipart || u.Headers["X-Trace"] != "{attempt.key}" {
		t.Errorf("upload %+v", u)
	}
	if pt := u.Body.Part; pt == nil || pt.Field != "file" || pt.Format != FormatCSV || pt.ContentType != "text/csv" || pt.Filename != "{caller}.csv" {
		t.Errorf("part %+v", pt)
	}
	if sc.API.Status.IDField != "job.id" || sc.API.Verify.IDsField != "records[].id" || sc.API.Completion != CompletionBody {
		t.Errorf("status %+v verify %+v", sc.API.Status, sc.API.Verify)
	}
	r := sc.Callers.Retry
	if r.RetryAfter != RetryAfterHonor || r.Budget != (Budget{Ratio: 0.2, Set: true}) || *r.Breaker != (Breaker{Failures: 5, Open: Duration(30e9)}) {
		t.Errorf("retry %+v", r)
	}
	if g := sc.Gates[0]; g.Variable() != "gave_up[erp]" || g.Class() != "erp" || sc.Signature[0].Class() != "batch" || sc.Gates[1].Class() != "" {
		t.Errorf("gates %q %q %q", g.Variable(), g.Class(), sc.Signature[0].Class())
	}
	if strings.Contains(string(sc.Source), "t0ken") {
		t.Error("the secret's value is in the scenario")
	}
}

func TestUploadDefaults(t *testing.T) {
	for format, want := range map[BodyFormat]string{FormatCSV: "text/csv", FormatNDJSON: "application/x-ndjson", FormatJSON: "application/json", FormatRaw: "application/octet-stream"} {
		u := Upload{Path: "/x/{caller}", Body: Body{Format: FormatMultipart, Part: &Part{Format: format}}}
		u.defaults()
		if u.Method != "POST" || u.Body.Part.ContentType != want || u.Body.Part.Field != "file" {
			t.Errorf("%s: %+v %+v", format, u, u.Body.Part)
		}
	}
	u := Upload{Path: "/x/{caller}", Body: Body{Part: &Part{ContentType: "text/plain"}}}
	u.defaults()
	if u.Body.Format != FormatJSON || u.Body.Part.Format != FormatCSV || u.Body.Part.ContentType != "text/plain" {
		t.Errorf("defaults overwrote what was written: %+v %+v", u.Body, u.Body.Part)
	}
	sc, err := Parse("f.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if sc.API.Upload.Body.Format != FormatJSON || sc.API.Upload.Body.Part != nil || sc.Callers.Retry.RetryAfter != RetryAfterIgnore ||
		sc.Callers.Retry.Budget.Set || sc.Callers.Retry.Breaker != nil {
		t.Errorf("one-line defaults: %+v %+v", sc.API.Upload, sc.Callers.Retry)
	}
}

// manyMistakes has one mistake on most lines; every one is reported at
// once, at its line and column.
const manyMistakes = `name: many
sut: {url: "http://127.0.0.1:1"}
api:
  upload:
    method: GET
    path: v1/records
    headers: {X-Trace: "t-{attempt.kye}"}
  completion: body
  status: {path: /jobs/1}
  status_field: data..state
  verify: {path: "/t/{caller}", ids_field: records.id}
callers:
  count: 10
  retry: {retry_after: always, budget: 11, breaker: {failures: 0, open: 0s}}
  classes:
    - {name: erp, weight: -1, record_bytes: 8}
    - {name: erp, weight: 1, retry: {backoff: linear, base: 1m}}
    - {name: Batch, records: {median: 5, p99: 2}, timeout: -1s}
gates: ["gave_up[epr] == 0", "amplification[erp] < 2", "requests[erp] > 0"]
`

func TestValidateManyMistakesAtOnce(t *testing.T) {
	_, err := Parse("m.yaml", []byte(manyMistakes))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`m.yaml:5:13: api.upload.method: must be POST, PUT or PATCH, got "GET"`,
		`m.yaml:6:11: api.upload.path: must start with /, got "v1/records"`,
		`m.yaml:9:18: api.status.path: must start with / and hold {upload.id}, got "/jobs/1"`,
		`m.yaml:9:11: api.status: a status without id_field: name where the upload's answer holds its id, e.g. job.id`,
		`m.yaml:10:17: api.status_field: field path "data..state": a name is missing around a dot (want e.g. job.id)`,
		`m.yaml:11:44: api.verify.ids_field: names one value; name the list with [] (every element), e.g. records[].id, got "records.id"`,
		`m.yaml:14:24: callers.retry.retry_after: must be honor or ignore, got "always"`,
		`m.yaml:14:40: callers.retry.budget: must be 0..10 (retries per first attempt: 0.2 lets retries add 20%) or none, got 11`,
		`m.yaml:14:64: callers.retry.breaker.failures: must be >= 1 (failed attempts in a row that open the breaker), got 0`,
		`m.yaml:14:73: callers.retry.breaker.open: must be > 0 (how long an open breaker sends nothing)`,
		`m.yaml:16:27: callers.classes[0].weight: must be a number >= 0, got -1`,
		`m.yaml:16:45: callers.classes[0].record_bytes: must be 16..1048576, got 8`,
		`m.yaml:17:14: callers.classes[1].name: "erp" is the name of callers.classes[0] already`,
		`m.yaml:17:47: callers.classes[1].retry.backoff: must be none, constant or exponential, got "linear"`,
		`m.yaml:17:37: callers.classes[1].retry.max: must be >= base (1m0s), got 30s`,
		`m.yaml:18:14: callers.classes[2].name: required, lowercase letters, digits, _ and - ([a-z0-9_-]+), got "Batch"`,
		`m.yaml:18:30: callers.classes[2].records: needs median >= 1, p99 >= median and max >= p99 (got median 5, p99 2, max 4)`,
		`m.yaml:18:60: callers.classes[2].timeout: must be > 0`,
		`m.yaml:19:9: gates[0]: gate "gave_up[epr] == 0": no caller class "epr" (did you mean "erp"?)`,
		`m.yaml:19:56: gates[2]: gate "requests[erp] > 0": "requests" has no value per class (per class: callers, succeeded, gave_up, attempts, retries, timeouts, p50_ms, p99_ms, p50_all_ms, p99_all_ms, amplification, budget_denied, breaker_opens)`,
		`m.yaml:7:27: api.upload.headers.X-Trace: unknown placeholder {attempt.kye}; did you mean {attempt.key}?`,
	}
	got := strings.Split(err.Error(), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatal("not ErrInvalid")
	}
}

// TestTemplateErrorColumns: a template mistake is reported at the column of
// the mistake inside a one-line value, plain or quoted, and at the value
// itself when the text is not on one line as it reads (a block scalar, an
// escaped string).
func TestTemplateErrorColumns(t *testing.T) {
	const head = "name: t\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\napi:\n  upload:\n"
	cases := []struct{ src, want string }{
		{"    path: /v1/{callr}/x\n", "f.yaml:6:15: api.upload.path: unknown placeholder {callr}; did you mean {caller}?"},
		{"    path: \"/v1/{callr}/x\"\n", "f.yaml:6:16: api.upload.path: unknown placeholder {callr}"},
		{"    path: '/v1/{callr}/x'\n", "f.yaml:6:16: api.upload.path: unknown placeholder {callr}"},
		{"    path: \"/é/{callr}\"\n", "f.yaml:6:15: api.upload.path: unknown placeholder {callr}"},
		{"    path: \"/v1/\\u0041{callr}\"\n", "f.yaml:6:11: api.upload.path: unknown placeholder {callr}"},
		{"    path: /v1/{caller}\n    headers:\n      Authorization: Bearer ${REHEARSE_UNSET_SECRET}\n", "f.yaml:8:29: api.upload.headers.Authorization: ${REHEARSE_UNSET_SECRET} is not set in the environment"},
		{"    path: /v1/{caller}\n    headers: {content-length: \"9\"}\n", "f.yaml:7:32: api.upload.headers.content-length: Content-Length is rehearse's to send"},
		{"    path: /v1/{caller}\n    body:\n      envelope: |\n        {\"items\": [{records}],\n         \"n\": \"{record.idx}\"}\n", "f.yaml:8:17: api.upload.body.envelope: unknown placeholder {record.idx}"},
	}
	for _, c := range cases {
		_, err := Parse("f.yaml", []byte(head+c.src))
		if err == nil || !slices.ContainsFunc(strings.Split(err.Error(), "\n"), func(l string) bool { return strings.HasPrefix(l, c.want) }) {
			t.Errorf("%q:\ngot  %v\nwant %s", c.src, err, c.want)
		}
	}
}

// TestShapeLongForm: the long upload form is checked key by key like any
// mapping; the one-line form and a budget of none are not mistakes.
func TestShapeLongForm(t *testing.T) {
	const head = "name: t\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\n"
	cases := []struct{ src, want string }{
		{"api: {upload: [POST, /x]}\n", `f.yaml:4:15: api.upload: want "METHOD /path" or {method, path, headers, body}, got a list`},
		{"api: {upload: {methd: PUT, path: \"/x/{caller}\"}}\n", `f.yaml:4:16: api.upload.methd: unknown key; did you mean "method"?`},
		{"api:\n  upload:\n    path: /x/{caller}\n    body: {formt: csv, part: {feild: f}}\n", "f.yaml:7:12: api.upload.body.formt: unknown key; did you mean \"format\"?\nf.yaml:7:31: api.upload.body.part.feild: unknown key; did you mean \"field\"?"},
		{"api: {upload: {path: \"/x/{caller}\", headers: [a]}}\n", `f.yaml:4:46: api.upload.headers: want a mapping (key: value), got a list`},
		{"api: {status: {path: \"/j/{upload.id}\", idfield: job.id}}\n", `f.yaml:4:40: api.status.idfield: unknown key; did you mean "id_field"?`},
		{"callers: {count: 1, retry: {budget: lots}}\n", `f.yaml:4:37: callers.retry.budget: want a fraction of first attempts such as 0.2, or none, got "lots"`},
		{"callers: {count: 1, retry: {budget: [1]}}\n", `f.yaml:4:37: callers.retry.budget: want a fraction of first attempts such as 0.2, or none, got a list`},
		{"callers: {count: 1, classes: [{name: a, weigth: 1}]}\n", `f.yaml:4:41: callers.classes[0].weigth: unknown key; did you mean "weight"?`},
	}
	for _, c := range cases {
		src := head + c.src
		if strings.HasPrefix(c.src, "callers") {
			src = "name: t\nsut: {url: \"http://127.0.0.1:1\"}\n\n" + c.src
		}
		_, err := Parse("f.yaml", []byte(src))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\ngot  %v\nwant %s", c.src, err, c.want)
		}
	}
	sc, err := Parse("f.yaml", []byte(head+"api: {upload: \"PUT /u?c={caller}\"}\n"))
	if err != nil || sc.API.Upload.Method != "PUT" || sc.API.Upload.Path != "/u?c={caller}" {
		t.Fatalf("one-line form: %v %+v", err, sc)
	}
	_, err = Parse("f.yaml", []byte(head+"api: {upload: \"GET /u\"}\n"))
	if err == nil || err.Error() != `f.yaml:4:15: api.upload: must be "METHOD /path" with METHOD POST, PUT or PATCH, got "GET /u"` {
		t.Fatalf("one-line form keeps its message: %v", err)
	}
}
