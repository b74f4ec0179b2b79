package storm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// knownUpload is one upload of the known traffic the log is made from.
type knownUpload struct {
	caller string
	at     time.Duration
	bytes  int
}

// writeNginxLog writes the known traffic as nginx combined lines with
// $request_length and $request_time appended.
func writeNginxLog(t *testing.T, path string, start time.Time, ups []knownUpload) {
	t.Helper()
	var b strings.Builder
	for _, u := range ups {
		at := start.Add(u.at)
		fmt.Fprintf(&b, "127.0.0.1 - - [%s] \"POST /v1/callers/%s/records HTTP/1.1\" 200 512 \"-\" \"rehearse\" %d 0.000\n",
			at.Format("02/Jan/2006:15:04:05 -0700"), u.caller, u.bytes)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// receiver counts what it receives per caller: uploads, body sizes, and
// arrival seconds from its first request.
type receiver struct {
	mu       sync.Mutex
	first    time.Time
	count    map[string]int
	sizes    map[string][]int
	arrivals []time.Time
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var doc struct{ Records []json.RawMessage }
	valid := json.NewDecoder(bytes.NewReader(b)).Decode(&doc) == nil && len(doc.Records) > 0
	rc.mu.Lock()
	defer rc.mu.Unlock()
	now := time.Now()
	if rc.first.IsZero() {
		rc.first = now
	}
	name := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/callers/"), "/")[0]
	if !valid {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.count[name]++
	rc.sizes[name] = append(rc.sizes[name], len(b))
	rc.arrivals = append(rc.arrivals, now)
}

// A log of known traffic, imported and replayed: every caller sends as
// many uploads as it logged, each body of its logged size, and the
// arrivals per second follow the log's at speed 1, and at speed 4 scaled.
func TestReplayMatchesTheLog(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	var known []knownUpload
	for i := range 30 {
		known = append(known, knownUpload{caller: fmt.Sprintf("acme-%d", i%7), at: time.Duration(i/10) * time.Second, bytes: 900 + 37*i})
	}
	log := filepath.Join(dir, "access.log")
	writeNginxLog(t, log, start, known)
	f, err := os.Create(filepath.Join(dir, "t.trace.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traffic.Import(context.Background(), f, []string{log}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, speed := range []float64{1, 4} {
		rc := &receiver{count: map[string]int{}, sizes: map[string][]int{}}
		srv := httptest.NewServer(rc)
		src := fmt.Sprintf("name: replay\nsut: {url: %q}\ncallers: {count: 7}\ntraffic: {replay: t.trace.jsonl.gz, speed: %g}\n", srv.URL, speed)
		sc, err := scenarios.Parse(filepath.Join(dir, "replay.yaml"), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		agg := reports.NewAggregator(start)
		var attempts bytes.Buffer
		alog := reports.NewAttemptLog(&attempts)
		st, err := Run(t.Context(), sc, Options{Target: srv.URL, Start: start, Aggregator: agg, AttemptLog: alog})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		rep := agg.Finish(time.Now())
		if rep.Requests.OK != 30 || len(st.Notes) == 0 || !strings.Contains(st.Notes[0], "30 uploads of 7 callers") {
			t.Fatalf("speed %g: requests %+v notes %v", speed, rep.Requests, st.Notes)
		}
		if err := alog.Flush(); err != nil {
			t.Fatal(err)
		}
		// attempts.csv names each attempt's logged caller.
		for i := range 7 {
			if n := strings.Count(attempts.String(), fmt.Sprintf(",acme-%d,", i)); n != len(known)/7+map[bool]int{true: 1}[i < len(known)%7] {
				t.Fatalf("speed %g: %d attempts of acme-%d in attempts.csv:\n%s", speed, n, i, attempts.String())
			}
		}
		// Callers are the log's callers, not its uploads.
		if rep.Callers.Total != 7 || rep.Callers.Succeeded != 7 || rep.Classes["default"].Callers != 7 {
			t.Fatalf("speed %g: callers %+v, class %+v; want the log's 7", speed, rep.Callers, rep.Classes["default"])
		}
		want := map[string][]int{}
		for _, u := range known {
			want[u.caller] = append(want[u.caller], u.bytes)
		}
		for c, sizes := range want {
			slices.Sort(rc.sizes[c]) // uploads of one second arrive in any order
			slices.Sort(sizes)
			if rc.count[c] != len(sizes) || fmt.Sprint(rc.sizes[c]) != fmt.Sprint(sizes) {
				t.Fatalf("speed %g: %s bodies %v, logged %v", speed, c, rc.sizes[c], sizes)
			}
		}
		var logged []time.Duration
		for _, u := range known {
			logged = append(logged, u.at)
		}
		// Within a second of log time beyond the generator's own reported
		// lag (a loaded machine's delay, which the report owns).
		bound := time.Second + time.Duration((rep.Generator.MaxLagMs+20)*float64(time.Millisecond)*speed)
		if worst := testenv.CurveDrift(rc.arrivals, logged, speed); worst > bound {
			t.Fatalf("speed %g: an arrival %s (log time) off the log's curve, want within a second", speed, worst)
		}
	}
}

// A log without sizes (a real nginx's combined log), imported with
// --assume-size: every replayed body is the size assumed, and the storm's
// notes — every report's — say that sizes were not logged.
func TestReplayWithoutLoggedSizes(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "t.trace.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join("..", "..", "..", "traffic", "testdata", "nginx", "combined.log")
	if _, err := traffic.Import(context.Background(), f, []string{log}, traffic.WithAssumeSize(3000)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rc := &receiver{count: map[string]int{}, sizes: map[string][]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	src := fmt.Sprintf("name: replay\nsut: {url: %q}\ncallers: {count: 3}\ntraffic: {replay: t.trace.jsonl.gz, speed: 20}\n", srv.URL)
	sc, err := scenarios.Parse(filepath.Join(dir, "replay.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Run(t.Context(), sc, Options{Target: srv.URL, Aggregator: reports.NewAggregator(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	var sent int
	for c, sizes := range rc.sizes {
		for _, n := range sizes {
			if n != 3000 {
				t.Fatalf("%s sent a body of %d bytes, want the 3000 assumed", c, n)
			}
			sent++
		}
	}
	want := "traffic.replay: sizes were not logged: the log records no request size, so every upload was replayed at 3.0 KB each, the size assumed at import (--assume-size), not their real size"
	if sent != 12 || !slices.Contains(st.Notes, want) {
		t.Fatalf("%d uploads sent, notes %q; want 12 and %q", sent, st.Notes, want)
	}
}
