package storm

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
)

// TestRedirectsToAStorageNode: the API answers every upload 307 to a
// storage node on another port. Under follow, the node receives every
// upload whole and its 201 is the answer; under fail, every upload is
// class redirect and nothing is a success — a 3xx is never goodput.
func TestRedirectsToAStorageNode(t *testing.T) {
	var node, api journal
	storage := node.serve(t, func(w http.ResponseWriter, r *http.Request) {
		node.read(r)
		w.WriteHeader(http.StatusCreated)
	}, nil)
	front := api.serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := api.read(r)
		code := http.StatusTemporaryRedirect
		if n%4 == 0 {
			code = http.StatusSeeOther // then a GET, without the body
		}
		http.Redirect(w, r, fmt.Sprintf("%s/blobs/%d", storage.URL, n), code)
	}, nil)
	for _, mode := range []string{"follow", "fail"} {
		t.Run(mode, func(t *testing.T) {
			node.mu.Lock()
			node.requests, node.bodyBytes = 0, 0
			node.mu.Unlock()
			sc := scenario(t, front.URL, fmt.Sprintf("callers: {count: 40, records: 5, retry: {attempts: 1}}\narrival: {profile: poisson, rate: 200}\napi: {redirects: %s}\n", mode))
			rep, _ := run(t.Context(), t, sc, front.URL)
			node.mu.Lock()
			defer node.mu.Unlock()
			if mode == "fail" {
				if rep.Requests.OK != 0 || rep.Requests.Errors[reports.ClassRedirect] != 40 || node.requests != 0 || rep.Callers.Succeeded != 0 {
					t.Fatalf("report %+v callers %+v; the node read %d", rep.Requests, rep.Callers, node.requests)
				}
				return
			}
			if rep.Requests.OK != 40 || rep.Requests.Total != 40 || rep.Requests.Redirects != 40 ||
				node.requests != 40 || rep.Requests.Status["201"] != 40 {
				t.Fatalf("report %+v; the node read %d", rep.Requests, node.requests)
			}
		})
	}
}
