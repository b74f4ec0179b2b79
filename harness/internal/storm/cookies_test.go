package storm

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
)

// TestCookiesKeepTheSession: a service that opens a session on a
// caller's first request (401 with Set-Cookie) and takes uploads only
// within it. With api.cookies each caller's retry carries its own
// session and every upload is stored; without, every one is refused.
func TestCookiesKeepTheSession(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("cookies %v", on), func(t *testing.T) {
			var j journal
			srv := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
				j.read(r)
				caller := strings.TrimPrefix(r.URL.Path, "/v1/callers/")
				caller = strings.TrimSuffix(caller, "/records")
				if c, err := r.Cookie("sid"); err == nil && c.Value == "s-"+caller {
					w.WriteHeader(http.StatusCreated)
					return
				}
				http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s-" + caller, Path: "/v1/callers/" + caller, HttpOnly: true})
				w.WriteHeader(http.StatusUnauthorized)
			}, nil)
			sc := scenario(t, srv.URL, fmt.Sprintf(`callers:
  count: 50
  records: 3
  retry: {attempts: 2, backoff: constant, base: 10ms, jitter: none, on: [4xx]}
arrival: {profile: poisson, rate: 300}
api: {cookies: %v}
`, on))
			rep, _ := run(t.Context(), t, sc, srv.URL)
			if on && (rep.Callers.Succeeded != 50 || rep.Requests.Status["401"] != 50 || rep.Requests.OK != 50) {
				t.Fatalf("with cookies: callers %+v requests %+v", rep.Callers, rep.Requests)
			}
			if !on && (rep.Callers.Succeeded != 0 || rep.Requests.Errors[reports.ClassHTTP4xx] != 100) {
				t.Fatalf("without cookies: callers %+v requests %+v", rep.Callers, rep.Requests)
			}
		})
	}
}
