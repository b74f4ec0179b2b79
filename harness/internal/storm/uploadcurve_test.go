package storm

import (
	"fmt"
	"testing"
)

// TestCallersUploadOnTheCurve: callers.uploads — 10 callers uploading
// once, 5 four times, 2 ten times, all 50 uploads on the steps' curve. A
// service counting each caller's uploads and their idempotency keys holds
// exactly what the lines say, each upload with a key of its own; the
// report's uploads and callers equal its count.
func TestCallersUploadOnTheCurve(t *testing.T) {
	var u uploadCounter
	srv := u.serve(t)
	sc := scenario(t, srv.URL, `callers:
  records: 2
  uploads: [{callers: 10, uploads: 1}, {callers: 5, uploads: 4}, {callers: 2, uploads: 10}]
arrival: {profile: steps, steps: [{uploads: 10, window: 300ms}, {rate: 0, for: 200ms}, {uploads: 40, window: 300ms}]}
`)
	rep, _ := run(t.Context(), t, sc, srv.URL)
	u.mu.Lock()
	defer u.mu.Unlock()
	for i := range 17 {
		want := 1
		switch {
		case i >= 15:
			want = 10
		case i >= 10:
			want = 4
		}
		if name := fmt.Sprintf("caller-%05d", i); u.perCaller[name] != want {
			t.Errorf("%s: the service got %d uploads, callers.uploads says %d", name, u.perCaller[name], want)
		}
	}
	up := rep.Uploads
	if up == nil || up.Total != 50 || up.Succeeded != 50 || len(u.keys) != 50 ||
		rep.Callers.Total != 17 || rep.Callers.Succeeded != 17 || rep.Requests.Total != 50 {
		t.Fatalf("uploads %+v callers %+v requests %d; the service saw %d distinct keys, want 50", up, rep.Callers, rep.Requests.Total, len(u.keys))
	}
}
