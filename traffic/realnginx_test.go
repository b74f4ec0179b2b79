package traffic

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The logs in testdata/nginx were written by a real nginx (make.sh there
// tells the story): 12 uploads of 3 callers, two health checks, three
// 503s of which two were retried. Every format holds the same requests.

// storyBodies are the uploads' body sizes per caller, in arrival order.
var storyBodies = map[string]string{
	"acme":    "POST 20000, POST 7000, POST 38000, POST 7000, PUT 20000",
	"globex":  "POST 5000, POST 5000, POST 5000, POST 9000",
	"initech": "PUT 12000, POST 12000, POST 15000",
}

// storyRetries are the true retries: acme's second 7000 and globex's
// third 5000 (the one after its 503). acme's 38000 right after its 503
// and initech's 15000 after its 503 are other uploads.
var storyRetries = map[string]string{"acme": "0,0,0,1,0", "globex": "0,0,1,0", "initech": "0,0,0"}

func nginxTestdata(name string) string { return filepath.Join("testdata", "nginx", name) }

// story writes a trace's callers as storyBodies and storyRetries do.
func story(tr *Trace) (bodies, retries map[string]string) {
	bodies, retries = map[string]string{}, map[string]string{}
	for _, c := range tr.Callers() {
		var b, r []string
		for _, u := range c.Uploads {
			b = append(b, fmt.Sprintf("%s %d", u.Method, u.Bytes))
			r = append(r, map[bool]string{true: "1", false: "0"}[u.Retry])
		}
		bodies[c.Name], retries[c.Name] = strings.Join(b, ", "), strings.Join(r, ",")
	}
	return bodies, retries
}

// Sizes come from the request body's field when the log has one, else from
// $request_length; the summary says which; retries are exactly the two.
func TestRealNginxSizes(t *testing.T) {
	_, lengths := importTrace(t, []string{nginxTestdata("json.log")}, WithFormat(FormatNginxJSON), WithSizeFrom("request_length"))
	reqLengths, _ := story(lengths)
	for _, tc := range []struct {
		log  string
		opts []Option
		key  string
		want map[string]string // sizes per caller
	}{
		{"json.log", []Option{WithFormat(FormatNginxJSON)}, "content_length", storyBodies},
		{"bodysized.log", []Option{WithFormat(FormatNginx), WithSizeFrom("content_length")}, "content_length", storyBodies},
		{"sized.log", []Option{WithFormat(FormatNginx)}, "request_length", reqLengths},
		{"json.log", []Option{WithFormat(FormatNginxJSON), WithSizeFrom("request_length")}, "request_length", reqLengths},
	} {
		t.Run(tc.log+"/"+tc.key, func(t *testing.T) {
			sum, tr := importTrace(t, []string{nginxTestdata(tc.log)}, tc.opts...)
			if sum.Callers != 3 || sum.Uploads != 12 || sum.NoCaller != 2 {
				t.Fatalf("callers %d uploads %d without a caller %d; want 3, 12, 2", sum.Callers, sum.Uploads, sum.NoCaller)
			}
			if sum.BytesKey != tc.key || tr.Header().Bytes != tc.key || len(sum.SizeFrom) != 1 || sum.SizeFrom[0].Uploads != 12 || sum.Unsized != 0 {
				t.Fatalf("sizes from %q %+v (unsized %d), header %q; want all 12 from %s", sum.BytesKey, sum.SizeFrom, sum.Unsized, tr.Header().Bytes, tc.key)
			}
			if n := tr.Header().SizeNote(); n != "" {
				t.Fatalf("a trace with every size logged has a size note: %q", n)
			}
			if sum.Retries != 2 {
				t.Fatalf("retries %d, want the 2 the story has", sum.Retries)
			}
			bodies, retries := story(tr)
			for c := range storyBodies {
				if bodies[c] != tc.want[c] {
					t.Errorf("%s: sizes %s, want %s", c, bodies[c], tc.want[c])
				}
				if retries[c] != storyRetries[c] {
					t.Errorf("%s: retries %s, want %s", c, retries[c], storyRetries[c])
				}
			}
		})
	}
	if reqLengths["acme"] == storyBodies["acme"] {
		t.Fatalf("request_length %s equals the bodies: the headers are not in it", reqLengths["acme"])
	}
}

// nginx's combined format logs no request size: the import refuses to
// guess, and with --assume-size every upload carries the size chosen, the
// header says so, and no upload is taken for a retry (a retry is told by
// its size).
func TestRealNginxCombinedHasNoSizes(t *testing.T) {
	log := nginxTestdata("combined.log")
	_, err := Import(t.Context(), nil, []string{log}, WithTempDir(t.TempDir()))
	var ns *NoSizesError
	if !errors.As(err, &ns) || !errors.Is(err, ErrInput) || ns.Uploads != 12 || !strings.Contains(ns.Hint(), "--assume-size") {
		t.Fatalf("import of combined: %v, want a NoSizesError for 12 uploads", err)
	}
	sum, tr := importTrace(t, []string{log}, WithAssumeSize(20_000))
	h := tr.Header()
	if sum.Unsized != 12 || sum.AssumedBytes != 20_000 || sum.BytesKey != "" || len(sum.SizeFrom) != 0 || sum.Retries != 0 ||
		h.Unsized != 12 || h.BytesAssumed != 20_000 || h.Bytes != "" {
		t.Fatalf("summary %+v header %+v", sum, h)
	}
	for _, c := range tr.Callers() {
		for _, u := range c.Uploads {
			if u.Bytes != 20_000 || u.Retry {
				t.Fatalf("%s: upload %+v, want 20000 bytes, no retry", c.Name, u)
			}
		}
	}
	want := "sizes were not logged: the log records no request size, so every upload was replayed at 20.0 KB each, the size assumed at import (--assume-size), not their real size"
	if n := h.SizeNote(); n != want {
		t.Fatalf("size note %q\nwant %q", n, want)
	}
	if _, err := sum.Fit(200); err != nil {
		t.Fatalf("fit with an assumed size: %v", err)
	}
}

// A response's size is never an upload's.
func TestSizeFromRefusesResponses(t *testing.T) {
	for _, tc := range []struct {
		f     Format
		field string
	}{{FormatNginx, "body_bytes_sent"}, {FormatNginxJSON, "body_bytes_sent"}, {FormatJSONL, "http.bytes_sent"},
		{FormatALB, "sent_bytes"}, {FormatNginx, "request_time"}, {FormatALB, "request_length"}} {
		_, err := Import(t.Context(), nil, []string{nginxTestdata("json.log")}, WithFormat(tc.f), WithSizeFrom(tc.field))
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--size-from "+tc.field) {
			t.Errorf("%s --size-from %s: %v, want a usage error naming it", tc.f, tc.field, err)
		}
	}
}
