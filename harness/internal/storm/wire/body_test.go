package wire

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
)

// TestExpectContinueEarlyAnswer: a service that refuses an upload that
// asked first (Expect: 100-continue) answers 401 without reading it. The
// attempt's answer is that 401, at its own time, and no byte of the body
// was sent.
func TestExpectContinueEarlyAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // the body never read: net/http sends no 100
	}))
	defer srv.Close()
	sc := scenario(t, srv.URL, `callers: {count: 1, records: 20000, timeout: 20s, retry: {attempts: 1}}
api:
  upload: {method: POST, path: /up, body: {format: json}, expect_continue: auto}
`)
	req := harnesstest.Requests(t, sc)
	if req.BodyLen(0, 1) <= 1<<20 {
		t.Fatalf("the body is %d bytes: auto asks above 1 MiB", req.BodyLen(0, 1))
	}
	w := newTestWire(t, strings.TrimPrefix(srv.URL, "http://"), 1)
	x := Exchange{Req: req, Caller: 0, Try: 1, Deadline: time.Now().Add(20 * time.Second), How: NewSending(sc)}
	began := time.Now()
	if err := w.Do(t.Context(), &x); err != nil || x.Code != http.StatusUnauthorized {
		t.Fatalf("got %d %v, want the 401", x.Code, err)
	}
	if x.BodyOut() != 0 || time.Since(began) >= continueWait {
		t.Fatalf("sent %d body bytes, answered after %s", x.BodyOut(), time.Since(began))
	}
}
