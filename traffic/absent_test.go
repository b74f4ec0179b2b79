package traffic

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// nginx writes an unset variable as "" under escape=json ($content_length
// of a request without a body) and as "-" otherwise: not known, not a bad
// line.
func TestAbsentValuesAreNotBadLines(t *testing.T) {
	log := filepath.Join(t.TempDir(), "a.json.log")
	lines := `{"msec":"1764150000.000","request_method":"POST","request_uri":"/v1/callers/acme/records","status":"200","content_length":"","request_time":"-"}
{"msec":"1764150001.000","request_method":"POST","request_uri":"/v1/callers/acme/records","status":"200","content_length":"1200","request_time":"0.010"}
`
	if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	s, err := Import(context.Background(), &trace, []string{log}, WithFormat(FormatNginxJSON))
	if err != nil {
		t.Fatal(err)
	}
	if s.Uploads != 2 || s.Callers != 1 {
		t.Fatalf("summary %+v", s)
	}
}
