package harness

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// overloaded is a real service that holds each upload for hold and
// refuses (503) any beyond limit in flight. A sticky one, once over its
// limit, refuses everything until no upload has come for quiet: callers
// that keep retrying keep it down. It counts what it answered.
type overloaded struct {
	limit  int64
	hold   time.Duration
	sticky bool
	quiet  time.Duration

	inflight, ok, refused atomic.Int64
	mu                    sync.Mutex
	down                  bool
	last                  time.Time
}

func (s *overloaded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	refuse := n > s.limit
	if s.sticky {
		s.mu.Lock()
		now := time.Now()
		if s.down && now.Sub(s.last) >= s.quiet {
			s.down = false
		}
		s.last, s.down = now, s.down || refuse
		refuse = s.down
		s.mu.Unlock()
	}
	if refuse {
		s.refused.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	time.Sleep(s.hold) // the service's work: what bounds its capacity
	s.ok.Add(1)
	w.WriteHeader(http.StatusOK)
}

// recoveryProbe runs the recovery probe of a search that found capacity
// 200 (400 failed) against svc, through the real storm: 400 callers in
// 1 s, then 100 a second for 10 s.
func recoveryProbe(t *testing.T, svc *overloaded) (*reports.Capacity, *reports.Report) {
	t.Helper()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	src := `name: recover
sut: {url: "` + srv.URL + `"}
api: {completion: none}
callers: {count: 200, records: 1, timeout: 1s, retry: {attempts: 4, backoff: constant, base: 200ms}}
arrival: {profile: burst, window: 1s}
gates: ["error_rate < 0.01"]
`
	sc, err := scenarios.Parse(filepath.Join(t.TempDir(), "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pr := &prober{sc: sc, o: CapacityOptions{Run: Options{Out: t.TempDir(), Logf: t.Logf}, By: reports.ByCallers, RecoverFor: 10 * time.Second}}
	pr.o.defaults(sc)
	pass, fail := 200, 400
	c := &reports.Capacity{Unit: "callers", By: reports.ByCallers, Capacity: &pass, Bracket: reports.Bracket{Pass: &pass, Fail: &fail}}
	if err := pr.recover(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(pr.o.Run.Out, c.Recovery.RunDir, reports.ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests.Total != svc.ok.Load()+svc.refused.Load() || rep.Requests.OK != svc.ok.Load() {
		t.Errorf("the probe counted %d requests (%d ok), the service answered %d ok and %d refused",
			rep.Requests.Total, rep.Requests.OK, svc.ok.Load(), svc.refused.Load())
	}
	if r := c.Recovery; r.Level != 100 || r.From != 400 || r.ForS != 10 || len(rep.ArrivalSteps) != 2 || rep.ArrivalSteps[1].Callers != 1000 {
		t.Errorf("recovery %+v, steps %+v", r, rep.ArrivalSteps)
	}
	t.Logf("%s; the service answered %d ok, refused %d", c.Recovery.Text, svc.ok.Load(), svc.refused.Load())
	return c, rep
}

// TestRecoveryOfAServiceThatSheds: a service that only sheds what is
// beyond its limit recovers as soon as the load drops below it.
func TestRecoveryOfAServiceThatSheds(t *testing.T) {
	svc := &overloaded{limit: 30, hold: 100 * time.Millisecond}
	c, _ := recoveryProbe(t, svc)
	r := c.Recovery
	if svc.refused.Load() == 0 {
		t.Fatal("the storm never overloaded the service: the probe shows nothing")
	}
	if r.RecoveredS == nil || *r.RecoveredS > 3 || r.Amplification == nil || *r.Amplification > 1.5 || !strings.HasPrefix(r.Text, "recovered ") {
		t.Errorf("recovery %+v (amplification %v)", r, r.Amplification)
	}
}

// TestRecoveryOfAMetastableService: a service that stays down while
// callers retry does not recover when the load drops, and the retries
// show as amplification.
func TestRecoveryOfAMetastableService(t *testing.T) {
	svc := &overloaded{limit: 30, hold: 100 * time.Millisecond, sticky: true, quiet: 500 * time.Millisecond}
	c, rep := recoveryProbe(t, svc)
	r := c.Recovery
	if r.RecoveredS != nil || r.Amplification == nil || *r.Amplification < 2 ||
		!strings.HasPrefix(r.Text, "did not recover within 10s of the load dropping from 400 callers to 100 callers (amplification ") {
		t.Errorf("recovery %+v (amplification %v)", r, r.Amplification)
	}
	if ok := rep.ArrivalSteps[1].OK; ok != 0 {
		t.Errorf("the service answered %d uploads ok after the drop, yet stayed down", ok)
	}
}
