package storm

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// TestPeriodicCallers: 20 callers upload every second for 4 s, each at
// its seeded phase with up to ±100 ms of jitter, and all of them once
// more in a storm at 2 s. A service counting each caller's uploads (and
// their idempotency keys) holds exactly what the schedule says: the
// scheduled uploads plus one storm upload a caller, each with a key of
// its own; the report's uploads equal its count and every caller
// succeeded.
func TestPeriodicCallers(t *testing.T) {
	var u uploadCounter
	srv := u.serve(t)
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
	u.mu.Lock()
	defer u.mu.Unlock()
	for name, n := range want {
		if u.perCaller[name] != n {
			t.Errorf("%s: the service got %d uploads, the schedule says %d", name, u.perCaller[name], n)
		}
	}
	up := rep.Uploads
	if up == nil || up.Total != int64(total) || up.Succeeded != int64(total) || up.Storm != 20 || len(u.keys) != total ||
		rep.Callers.Total != 20 || rep.Callers.Succeeded != 20 || rep.Requests.Total != int64(total) {
		t.Fatalf("uploads %+v callers %+v requests %d; the service saw %d distinct keys, want %d", up, rep.Callers, rep.Requests.Total, len(u.keys), total)
	}
}

// TestStormKeepsNoFlightOfEndedCallers: once a storm is over, no caller
// holds a flight — neither one-shot callers that ended (their outcome
// went to the aggregator) nor periodic callers after their last upload
// (a 30-minute storm grew by 50 MB in its last period when they did).
func TestStormKeepsNoFlightOfEndedCallers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	for name, yaml := range map[string]string{
		"once":     "callers: {count: 40, records: 2}\narrival: {profile: burst, window: 200ms}\n",
		"periodic": "callers: {count: 40, records: 2, every: 1s}\nrun: {duration: 2s}\narrival: {profile: burst, window: 200ms}\n",
	} {
		sc := scenario(t, srv.URL, yaml)
		agg := reports.NewAggregator(time.Now())
		p, err := Prepare(t.Context(), sc, Options{Target: srv.URL, Aggregator: agg})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Run(t.Context(), time.Now(), agg); err != nil {
			t.Fatal(err)
		}
		rep := agg.Finish(time.Now())
		e := p.e
		held := 0
		for i := range e.callers {
			if e.callers[i].fl != 0 {
				held++
			}
		}
		if held != 0 || len(e.fls.free) != len(e.fls.slab) || rep.Callers.Succeeded != 40 {
			t.Errorf("%s: %d callers hold a flight, %d of %d flights free; %d callers succeeded", name, held, len(e.fls.free), len(e.fls.slab), rep.Callers.Succeeded)
		}
	}
}

// uploadCounter is a service that counts each caller's uploads and the
// idempotency keys it received, answering 201 to every one.
type uploadCounter struct {
	mu        sync.Mutex
	perCaller map[string]int
	keys      map[string]bool
}

// serve starts the service; it closes when t ends.
func (u *uploadCounter) serve(t *testing.T) *httptest.Server {
	u.perCaller, u.keys = map[string]int{}, map[string]bool{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/callers/{caller}/records", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		defer u.mu.Unlock()
		u.perCaller[r.PathValue("caller")]++
		u.keys[r.Header.Get("Idempotency-Key")] = true
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
