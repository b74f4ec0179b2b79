package harness

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// stepService answers the uploads of callers below okBelow (by the
// index in their name, caller-00042) 200 and every other 503, counting
// the uploads it saw of each kind: its own truth.
type stepService struct {
	okBelow  int
	ok, shed atomic.Int64
}

func (s *stepService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// /v1/callers/caller-00042/records
	name := strings.Split(r.URL.Path, "/")[3]
	i, _ := strconv.Atoi(strings.TrimPrefix(name, "caller-"))
	if i < s.okBelow {
		s.ok.Add(1)
		w.WriteHeader(http.StatusOK)
		return
	}
	s.shed.Add(1)
	w.WriteHeader(http.StatusServiceUnavailable)
}

// TestArrivalStepsThroughRealStorm: a steps arrival through the real
// storm against a real service whose answers depend on the step; each
// step's figures in the report are what the service counted, and gates
// over steps, over "after D" and goodput_ratio are evaluated on them.
func TestArrivalStepsThroughRealStorm(t *testing.T) {
	svc := &stepService{okBelow: 100} // step 1's callers
	srv := httptest.NewServer(svc)
	defer srv.Close()
	src := `name: stepped
sut: {url: "` + srv.URL + `"}
api: {completion: none}
callers: {records: 1, timeout: 2s}
arrival:
  profile: steps
  steps: [{rate: 50, for: 2s}, {rate: 0, for: 1s}, {callers: 40, window: 1s}]
gates:
  - "error_rate[step 1] == 0"
  - "requests[step 1] == 100"
  - "requests[step 2] == 0"
  - "error_rate[step 3] == 1"
  - "ok[step 3] == 0"
  - "goodput_ratio[after 2s] == 0"
  - "goodput_ratio > 0.7"
`
	sc, err := scenarios.Parse(filepath.Join(t.TempDir(), "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	if sc.Callers.Count != 140 || rep.Requests.Total != 140 || svc.ok.Load() != 100 || svc.shed.Load() != 40 {
		t.Fatalf("callers %d, report %d requests; the service answered %d ok and %d 503", sc.Callers.Count, rep.Requests.Total, svc.ok.Load(), svc.shed.Load())
	}
	if rep.Verdict != reports.VerdictPass {
		t.Errorf("verdict %s: %+v", rep.Verdict, rep.Gates)
	}
	st := rep.ArrivalSteps
	if len(st) != 3 || st[0].Requests != svc.ok.Load() || st[0].OK != svc.ok.Load() || st[2].Requests != svc.shed.Load() ||
		st[2].Label != "40 callers in 1s" || st[2].FromS != 3 || st[2].ToS != 4 || st[2].P99Ms != nil || st[2].P99AllMs == nil {
		t.Fatalf("arrival steps %+v", st)
	}
	t.Logf("step 1: %d attempts, p99 %.1f ms; step 3: %d attempts, error rate %v", st[0].Requests, *st[0].P99Ms, st[2].Requests, *st[2].ErrorRate)
	html, err := os.ReadFile(filepath.Join(res.Dir, reports.ReportHTML))
	if err != nil || !strings.Contains(string(html), "<h2>Arrival steps</h2>") || !strings.Contains(string(html), "step 3: 40 callers in 1s") {
		t.Errorf("report.html does not mark the steps (%v)", err)
	}
}

// failAfter is a real service that answers its first n uploads 200 and
// every later one 503, counting what it answered.
type failAfter struct {
	n        int64
	seen, ok atomic.Int64
}

func (s *failAfter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if s.seen.Add(1) <= s.n {
		s.ok.Add(1)
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
}

// TestAbortGateStopsTheStorm: a service that starts failing after a
// second; the gate {error_rate[last 2s] < 0.5, abort: true} stops the
// storm once two whole seconds fail it, long before its 12 s of callers
// arrived, and the report says which gate stopped it. Every upload the
// service saw is in the report (one in flight at the stop as aborted).
func TestAbortGateStopsTheStorm(t *testing.T) {
	svc := &failAfter{n: 50}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	src := `name: aborted
sut: {url: "` + srv.URL + `"}
api: {completion: none}
callers: {count: 600, records: 1, timeout: 1s}
arrival: {profile: constant, rate: 50}
gates:
  - {gate: "error_rate[last 2s] < 0.5", abort: true}
  - "p99_ms < 1000"
`
	sc, err := scenarios.Parse(filepath.Join(t.TempDir(), "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	var mu sync.Mutex
	logf := func(f string, a ...any) {
		mu.Lock()
		logs = append(logs, f)
		mu.Unlock()
		t.Logf(f, a...)
	}
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	a := rep.AbortedBy
	if a == nil || a.Gate != "error_rate[last 2s] < 0.5" || a.Value < 0.5 || rep.Verdict != reports.VerdictFail || rep.Interrupted {
		t.Fatalf("aborted by %+v, verdict %s, interrupted %v", a, rep.Verdict, rep.Interrupted)
	}
	// Failing from 1 s, a whole failing 2 s window is settled (1 s
	// timeout + 1 s) by about 4 s; 12 s of callers were planned.
	if a.AtS > 8 || svc.seen.Load() >= 600 {
		t.Errorf("aborted at %.1f s after the service saw %d uploads", a.AtS, svc.seen.Load())
	}
	// An upload in flight when the gate stopped the storm is aborted (the
	// run's stop, not the service's answer): the service may or may not
	// have read it. Every other upload it saw is a request of the report.
	if seen, r := svc.seen.Load(), rep.Requests; seen < r.Total || seen > r.Total+r.Aborted || r.OK != svc.ok.Load() {
		t.Errorf("report %d requests (%d ok, %d aborted), the service saw %d (%d ok)", r.Total, r.OK, r.Aborted, seen, svc.ok.Load())
	}
	g := rep.Gates[0]
	if g.Pass || g.Value == nil || !strings.Contains(g.Reason, "aborted the storm at") {
		t.Errorf("the aborting gate's result %+v", g)
	}
	if v := reports.VerdictText(rep); !strings.Contains(v, "FAIL (aborted by gate error_rate[last 2s] < 0.5 at ") {
		t.Errorf("verdict text %q", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(logs, func(l string) bool { return strings.HasPrefix(l, "aborted by gate") }) {
		t.Errorf("the run did not say it stopped the storm: %q", logs)
	}
	t.Logf("%s; the service saw %d uploads (%d ok)", reports.VerdictText(rep), svc.seen.Load(), svc.ok.Load())
}
