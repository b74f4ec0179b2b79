package scenarios

import (
	"strings"
	"testing"
)

// TestSendingMistakes: how a body is sent is checked where it is written —
// an unknown compression, an unknown Expect mode, a Content-Encoding
// header that would label a body rehearse does not encode, the framing
// headers that have keys of their own, a header set twice without regard
// to case — all at once, each at its line:column.
func TestSendingMistakes(t *testing.T) {
	src := `name: s
sut: {url: "http://127.0.0.1:1"}
callers: {count: 1}
api:
  upload:
    method: POST
    path: /up
    headers: {Content-Encoding: gzip, X-Tenant: a, x-tenant: b, Transfer-Encoding: chunked}
    body: {format: json, compress: zstd}
    expect_continue: sometimes
`
	_, err := Parse("s.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`s.yaml:9:36: api.upload.body.compress: must be gzip`,
		`s.yaml:10:22: api.upload.expect_continue: must be auto, always or never`,
		`api.upload.headers.Content-Encoding: rehearse sends the body as it is: set body.compress: gzip`,
		`s.yaml:8:62: api.upload.headers.x-tenant: header x-tenant is set twice (as X-Tenant too)`,
		`Transfer-Encoding is rehearse's to send: it frames the request from the body and the target (body.chunked: true sends it)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
