package storm

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
)

// bodyJournal is what a decoding service read: per request its framing
// and the decoded body's length.
type bodyJournal struct {
	mu       sync.Mutex
	requests int
	chunked  int
	gzipped  int
	expects  int
	decoded  map[string]int64 // by path
}

func (j *bodyJournal) handler(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		gz := r.Header.Get("Content-Encoding") == "gzip"
		if gz {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, "not gzip", http.StatusBadRequest)
				return
			}
			body = zr
		}
		n, err := io.Copy(io.Discard, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		j.requests++
		if len(r.TransferEncoding) == 1 && r.TransferEncoding[0] == "chunked" && r.ContentLength == -1 {
			j.chunked++
		}
		if gz {
			j.gzipped++
		}
		if r.Header.Get("Expect") != "" {
			j.expects++
		}
		if j.decoded == nil {
			j.decoded = map[string]int64{}
		}
		j.decoded[r.URL.Path] = n
		w.WriteHeader(http.StatusCreated)
	}
}

// TestBodiesAsClientsSendThem: gzip with a length, chunked, gzip chunked,
// and Expect: 100-continue, each against Go's net/http server decoding
// what it got: every body arrives whole, as the population has it, framed
// and labelled as asked.
func TestBodiesAsClientsSendThem(t *testing.T) {
	for _, c := range []struct{ name, body, expect string }{
		{"gzip", "{format: ndjson, compress: gzip}", ""},
		{"chunked", "{format: csv, chunked: true}", ""},
		{"gzip chunked", "{format: json, compress: gzip, chunked: true}", ""},
		{"expect", "{format: json}", "expect_continue: always"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := &bodyJournal{}
			var js journal
			srv := js.serve(t, j.handler(t), nil)
			sc := scenario(t, srv.URL, fmt.Sprintf(`callers: {count: 30, records: {median: 200, p99: 2000}, retry: {attempts: 1}}
arrival: {profile: poisson, rate: 200}
api:
  upload:
    method: POST
    path: /up/{caller}
    body: %s
    %s
`, c.body, c.expect))
			rep, _ := run(t.Context(), t, sc, srv.URL)
			req := harnesstest.Requests(t, sc)
			j.mu.Lock()
			defer j.mu.Unlock()
			if rep.Requests.OK != 30 || j.requests != 30 {
				t.Fatalf("report %+v; the service decoded %d", rep.Requests, j.requests)
			}
			for i := range 30 {
				if got, want := j.decoded[req.Path(i, 1)], req.BodyLen(i, 1); got != want {
					t.Fatalf("caller %d: the service decoded %d bytes, the body is %d", i, got, want)
				}
			}
			wantChunked, wantGzip, wantExpect := 0, 0, 0
			if strings.Contains(c.body, "chunked") {
				wantChunked = 30
			}
			if strings.Contains(c.body, "gzip") {
				wantGzip = 30
			}
			if c.expect != "" {
				wantExpect = 30
			}
			if j.chunked != wantChunked || j.gzipped != wantGzip || j.expects != wantExpect {
				t.Fatalf("chunked %d gzipped %d expects %d, want %d %d %d", j.chunked, j.gzipped, j.expects, wantChunked, wantGzip, wantExpect)
			}
		})
	}
}
