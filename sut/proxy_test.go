package sut

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The proxy forwards any path, header and body round-robin, relays every
// answer header, and skips a backend that refuses connections.
func TestProxyForwardsEverything(t *testing.T) {
	var seen []string
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+string(b))
		w.Header().Set("Location", "/api/v3/jobs/j-1")
		w.Header().Set("X-Team", "yes")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"job":{"id":"j-1"}}`)
	}))
	defer be.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // refuses connections
	svc, err := New(Config{Mode: ModeProxy, Backends: []string{down.URL, be.URL}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v3/batches?tenant=a", strings.NewReader("id,value\n1,x\n"))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Team") != "yes" || resp.Header.Get("Location") == "" || string(b) != `{"job":{"id":"j-1"}}` {
			t.Fatalf("answer %d %v %s", resp.StatusCode, resp.Header, b)
		}
	}
	if len(seen) != 2 || seen[0] != "POST /api/v3/batches?tenant=a Bearer t id,value\n1,x\n" {
		t.Fatalf("backend saw %q", seen)
	}
}
