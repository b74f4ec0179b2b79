package storm

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestPeriodicCallers: 20 callers upload every second for 4 s, each at
// its seeded phase with up to ±100 ms of jitter, and all of them once
// more in a storm at 2 s. A service counting each caller's uploads (and
// their idempotency keys) holds exactly what the schedule says: the
// scheduled uploads plus one storm upload a caller, each with a key of
// its own; the report's uploads equal its count and every caller
// succeeded.
func TestPeriodicCallers(t *testing.T) {
	var mu sync.Mutex
	perCaller, keys := map[string]int{}, map[string]bool{}
	var j journal
	srv := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
		j.read(r)
		mu.Lock()
		defer mu.Unlock()
		perCaller[r.PathValue("caller")]++
		keys[r.Header.Get("Idempotency-Key")] = true
		w.WriteHeader(http.StatusCreated)
	}, func(s *http.Server) {
		mux := http.NewServeMux()
		h := s.Handler
		mux.Handle("POST /v1/callers/{caller}/records", h)
		s.Handler = mux
	})
	sc := scenario(t, srv.URL, `callers: {count: 20, records: 2, every: 1s, jitter: 100ms}
run: {duration: 4s}
storm: {at: 2s}
arrival: {profile: burst, window: 200ms}
`)
	rep, _ := run(t.Context(), t, sc, srv.URL)
	p := sc.Periodic()
	want, total := map[string]int{}, 0
	for i := range 20 {
		n := 1 // the storm's
		for k := 0; ; k++ {
			if _, ok := p.At(i, k); !ok {
				break
			}
			n++
		}
		want[fmt.Sprintf("caller-%05d", i)] = n
		total += n
	}
	mu.Lock()
	defer mu.Unlock()
	for name, n := range want {
		if perCaller[name] != n {
			t.Errorf("%s: the service got %d uploads, the schedule says %d", name, perCaller[name], n)
		}
	}
	u := rep.Uploads
	if u == nil || u.Total != int64(total) || u.Succeeded != int64(total) || u.Storm != 20 || len(keys) != total ||
		rep.Callers.Total != 20 || rep.Callers.Succeeded != 20 || rep.Requests.Total != int64(total) {
		t.Fatalf("uploads %+v callers %+v requests %d; the service saw %d distinct keys, want %d", u, rep.Callers, rep.Requests.Total, len(keys), total)
	}
}
