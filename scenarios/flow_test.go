package scenarios

import (
	"io"
	"strings"
	"testing"
)

// flowScenario is a caller that logs in (OAuth2 client credentials from
// callers.from-like variables) and uploads in three steps, the data in
// parts of 16 KiB: 50 records of 1,000 raw bytes each.
const flowScenario = `name: flow
sut: {url: "http://127.0.0.1:8080"}
callers:
  count: 2
  records: 50
  record_bytes: 1000
  vars: {secret: "s&cret"}
api:
  login:
    path: /oauth/token
    body: {format: form, fields: {grant_type: client_credentials, client_id: "{caller}", client_secret: "{var.secret}"}}
    save: {token: access_token, ttl: expires_in}
  headers: {Authorization: "Bearer {login.token}"}
  upload:
    body: {format: raw}
    steps:
      - {method: POST, path: /uploads, headers: {X-Total: "{upload.length}"}, save: {id: uploadId}}
      - {method: PUT, path: "/uploads/{step.id}/parts/{part.n}", headers: {X-Offset: "{part.offset}"}, parts: {size: 16KiB, concurrency: 2}}
      - {method: POST, path: "/uploads/{step.id}/complete"}
  completion: body
  status: {method: GET, path: "/uploads/{step.id}"}
`

// The login renders as a form with the caller's values, without the
// Authorization header it has no token for yet; each step renders with
// the caller's session, and a part with its range of the data.
func TestFlowRenders(t *testing.T) {
	sc, err := Parse("flow.yaml", []byte(flowScenario))
	if err != nil {
		t.Fatal(err)
	}
	pop, err := NewPopulation(sc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRequests(sc, pop, nil)
	if err != nil {
		t.Fatal(err)
	}
	login := r.LoginCall(1)
	body, _ := io.ReadAll(login.Body())
	if login.Method != "POST" || login.Path != "/oauth/token" || strings.Contains(string(login.Header), "Authorization") ||
		string(body) != "client_id=caller-00001&client_secret=s%26cret&grant_type=client_credentials" ||
		!strings.Contains(string(login.Header), "Content-Type: application/x-www-form-urlencoded\r\n") {
		t.Fatalf("login %+v body %q header %q", login, body, login.Header)
	}
	sess := (*Session)(nil).With(true, map[string]string{"token": "T1"}).With(false, map[string]string{"id": "u/7 x"})
	r.SetSessions(func(int) *Session { return sess })
	if n := r.DataLen(1, 1); n != 50_000 {
		t.Fatalf("data %d bytes, want 50,000", n)
	}
	create := r.StepCall(0, 1, 1, PartRange{})
	if create.Body != nil || !strings.Contains(string(create.Header), "Authorization: Bearer T1\r\n") ||
		!strings.Contains(string(create.Header), "X-Total: 50000\r\n") {
		t.Fatalf("create %+v header %q", create, create.Header)
	}
	part := r.StepCall(1, 1, 1, PartRange{N: 4, Offset: 49152, Length: 848})
	data, _ := io.ReadAll(part.Body())
	all, _ := io.ReadAll(r.stream(r.data, 1, 1, true))
	if part.Path != "/uploads/u/7%20x/parts/4" || part.BodyLen != 848 || string(data) != string(all[49152:]) ||
		!strings.Contains(string(part.Header), "X-Offset: 49152\r\n") {
		t.Fatalf("part %+v header %q, %d bytes", part, part.Header, len(data))
	}
	if got := r.StatusPath(1, ""); got != "/uploads/u/7%20x" || r.StatusMethod() != "GET" {
		t.Fatalf("status %s %q", r.StatusMethod(), got)
	}
	if r.StepName(1) != "PUT /uploads/{step.id}/parts/{part.n}" {
		t.Fatalf("step name %q", r.StepName(1))
	}
}

// Every mistake of a flow is reported at once, each at its line and
// column, before anything starts.
func TestFlowMistakes(t *testing.T) {
	bad := strings.NewReplacer(
		"save: {token: access_token, ttl: expires_in}", "save: {tok: access_token}",
		"format: form", "format: xml",
		`"/uploads/{step.id}/complete"`, `"/uploads/{step.uid}/complete?n={part.n}"`,
		"size: 16KiB", "size: 1MiB",
		"method: GET, path", "method: DELETE, path",
	).Replace(flowScenario)
	_, err := Parse("flow.yaml", []byte(bad))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`flow.yaml:11:20: api.login.body.format: must be form or json, got "xml"`,
		`flow.yaml:18:118: api.upload.steps[1].parts.size: parts of 1048576 bytes are more than any caller's whole data (at most about 53200 bytes`,
		`flow.yaml:21:20: api.status.method: must be GET, HEAD or POST, got "DELETE"`,
		`flow.yaml:13:36: api.headers.Authorization: {login.token}: api.login.save has no token (it saves: tok)`,
		`flow.yaml:19:40: api.upload.steps[2].path: {step.uid}: no step before this one saves uid`,
		`flow.yaml:19:62: api.upload.steps[2].path: {part.n} may go in the path and headers of a step with parts only`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

// A login whose answer is not saved, a flow without steps naming a step,
// and {login.…} without a login are each a sentence.
func TestFlowReferencesWithoutTheirSource(t *testing.T) {
	_, err := Parse("f.yaml", []byte(`name: f
sut: {url: "http://127.0.0.1:8080"}
callers: {count: 1}
api:
  headers: {Authorization: "Bearer {login.token}", X-Upload: "{step.id}"}
`))
	for _, want := range []string{
		"{login.token} needs api.login, whose answer it is saved from",
		"f.yaml:5:63: api.headers.X-Upload: {step.id} may go in the upload's steps and api.status only",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	_, err = Parse("f.yaml", []byte(`name: f
sut: {url: "http://127.0.0.1:8080"}
callers: {count: 1}
api:
  login: {path: /token}
`))
	if err == nil || !strings.Contains(err.Error(), "a login without save keeps nothing of its answer") {
		t.Fatalf("got %v", err)
	}
}
