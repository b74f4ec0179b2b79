package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/reports"
)

// shedder is a real service that holds every upload for hold and answers
// 429 at once to any upload beyond limit in flight: its capacity in
// callers arriving evenly over a window is limit × window / hold. It
// counts its own truth: the 429s it sent and the most uploads it held.
type shedder struct {
	limit    int64
	hold     time.Duration
	inflight atomic.Int64
	shed     atomic.Int64
	mu       sync.Mutex
	peak     int64
}

func (s *shedder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = drain(r)
	n := s.inflight.Add(1)
	if n > s.limit {
		s.inflight.Add(-1)
		s.shed.Add(1)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.mu.Lock()
	s.peak = max(s.peak, n)
	s.mu.Unlock()
	time.Sleep(s.hold) // the service's work: what makes its capacity
	s.inflight.Add(-1)
	w.WriteHeader(http.StatusOK)
}

// TestCapacityFindsShedderCapacity runs the real search, through the real
// storm, against a service in this process that sheds above 120 uploads
// in flight of 400 ms each: callers arriving evenly over 1 s, its capacity
// is 300 (a hold long against the generator's lag, so a few late callers
// bunched together move it by a few percent, not by the precision). The answer lies within the precision (10%) of it, the failure mode
// is shedding, every probe reset the service first, and the 429s counted
// in the probes are the ones the service sent.
func TestCapacityFindsShedderCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("a dozen small storms")
	}
	const truth = 300
	svc := &shedder{limit: 120, hold: 400 * time.Millisecond}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	dir := t.TempDir()
	sc := filepath.Join(dir, "shed.yaml")
	body := `name: shed
sut: {url: "%s", reset: {command: [sh, -c, "echo reset >> resets.txt"]}}
api: {completion: none}
callers: {count: 160, records: 1, timeout: 3s, retry: {attempts: 1}}
arrival: {profile: burst, window: 1s}
gates: ["http_429 == 0"]
`
	if err := os.WriteFile(sc, []byte(fmt.Sprintf(body, srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	var shedBefore int64
	var resetsBefore int
	resets := func() int {
		b, _ := os.ReadFile(filepath.Join(dir, "resets.txt"))
		return strings.Count(string(b), "reset")
	}
	start := time.Now()
	out, code, stderr := measured(t, dir, func() { shedBefore, resetsBefore = svc.shed.Load(), resets() }, "capacity", "--precision", "10%", "--repeat", "2", "--cool-down", "0", "--recover-for", "5s", sc)
	took := time.Since(start)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	c := readCapacity(t, out)
	t.Logf("%s in %s, %d probes; the service's peak in flight %d, 429s %d", c.Answer, took.Round(time.Second), len(c.Probes), svc.peak, svc.shed.Load())
	if c.Capacity == nil || abs(*c.Capacity-truth) > truth/10 || c.FailureMode != reports.ModeShedding || c.Stopped != reports.StopPrecision {
		t.Fatalf("capacity %v (truth %d), mode %s, stopped %s; stderr:\n%s", c.Capacity, truth, c.FailureMode, c.Stopped, stderr)
	}
	var shed int64
	for _, p := range c.Probes {
		shed += p.HTTP429
		if _, err := os.Stat(filepath.Join(out, p.RunDir, reports.ReportHTML)); err != nil {
			t.Errorf("probe %d: %v", p.N, err)
		}
	}
	if svc.peak > svc.limit {
		t.Errorf("the service held %d uploads at once, above its limit %d", svc.peak, svc.limit)
	}
	// After the search, the recovery probe: 300 callers' capacity, 320
	// or so failed; the load dropped to 150 a second, which a service
	// that only sheds takes at once.
	r := c.Recovery
	if r == nil || r.RecoveredS == nil || r.Level != *c.Capacity/2 || r.From != *c.Bracket.Fail {
		t.Fatalf("recovery %+v", r)
	}
	rf, err := os.Open(filepath.Join(out, r.RunDir, reports.ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	rrep, err := reports.ReadJSON(rf)
	if err != nil {
		t.Fatal(err)
	}
	shed += rrep.Requests.Status["429"]
	t.Logf("recovery: %s", r.Text)
	// The last search's probes are the service's last 429s and resets:
	// earlier searches (see measured) sent theirs before.
	if sent := svc.shed.Load() - shedBefore; shed != sent {
		t.Errorf("the probes counted %d 429s, the service sent %d", shed, sent)
	}
	if n := resets() - resetsBefore; n != len(c.Probes)+1 {
		t.Errorf("%d resets for %d probes and the recovery probe", n, len(c.Probes))
	}
	for _, want := range []string{"probe 1: 40 callers — bracket [none, none], time left known once a level fails", "left", "capacity of shed: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, f := range []string{harness.CapacityHTML, harness.CapacityMD} {
		if b, err := os.ReadFile(filepath.Join(out, f)); err != nil || !strings.Contains(string(b), "shedding") {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// measured runs a capacity command into a fresh DIR/out-N until its answer
// is not limited by the generator, at most three times: on a machine
// loaded by other work the storm's own lag can exceed what a valid probe
// allows, and the search then rightly answers "≥ N; the generator could
// not offer more", which says nothing about the search itself. Three
// such answers skip the test (fail it under CI=true, where the machine is
// the test's own). before, when set, is called before each attempt.
func measured(t *testing.T, dir string, before func(), args ...string) (string, int, string) {
	t.Helper()
	if raceEnabled {
		t.Skip("a capacity search measures the generator's timing, which the race detector distorts: make test runs it without (its timing step)")
	}
	var out, stderr string
	var code int
	for i := range 3 {
		out = filepath.Join(dir, fmt.Sprintf("out-%d", i+1))
		if before != nil {
			before()
		}
		code, _, stderr = cli(t, append(append([]string{}, args...), "--out", out)...)
		if !generatorLimited(out) {
			return out, code, stderr
		}
		t.Logf("attempt %d: the generator was the limit (the machine is loaded); searching again", i+1)
	}
	msg := "three searches were limited by the generator itself (its lag above what a valid probe allows): this machine is too loaded to measure a capacity"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING: " + msg)
	return out, code, stderr
}

// generatorLimited reports whether a search in out (or either side of a
// comparison) ended because the generator was the limit.
func generatorLimited(out string) bool {
	for _, side := range []string{"", "baseline", "candidate"} {
		b, err := os.ReadFile(filepath.Join(out, side, harness.CapacityJSON))
		if err == nil && strings.Contains(string(b), `"generator_limited": true`) {
			return true
		}
	}
	return false
}

func readCapacity(t *testing.T, dir string) *reports.Capacity {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, harness.CapacityJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := reports.ReadCapacityJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func abs(n int) int { return max(n, -n) }

// TestCapacityRefusesBadInput: each input a search cannot answer is
// refused with one sentence, exit 2, before anything starts.
func TestCapacityRefusesBadInput(t *testing.T) {
	base := `sut: {url: "http://127.0.0.1:1", reset: {command: ["true"]}}
callers: {count: 100, records: 1}
`
	burst := writeScenario(t, "name: b\n"+base+"arrival: {profile: burst, window: 1s}\ngates: [\"ok > 0\"]\n")
	noGates := writeScenario(t, "name: g\n"+base+"arrival: {profile: burst, window: 1s}\n")
	steps := writeScenario(t, "name: st\n"+strings.Replace(base, "count: 100, ", "", 1)+"arrival: {profile: steps, steps: [{rate: 10, for: 2s}]}\ngates: [\"ok > 0\"]\n")
	uploads := writeScenario(t, "name: up\n"+strings.Replace(base, "count: 100, ", "uploads: [{callers: 10, uploads: 3}], ", 1)+"arrival: {profile: burst, window: 1s}\ngates: [\"ok > 0\"]\n")
	noReset := writeScenario(t, "name: r\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 100, records: 1}\ngates: [\"ok > 0\"]\n")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"rate on a burst": {[]string{"--by", "rate", burst}, "--by rate needs a constant or poisson arrival, and b arrives as a burst"},
		"no gates":        {[]string{noGates}, "g has no gates"},
		"precision 0":     {[]string{"--precision", "0", burst}, "--precision must be above 0% and below 100%, got 0%"},
		"max below from":  {[]string{"--from", "50", "--max", "10", burst}, "--max 10 is below --from 50"},
		"default from":    {[]string{"--max", "10", burst}, "--max 10 is below --from 25"},
		"url no reset":    {[]string{noReset}, "r is a service you started (sut.url) without sut.reset"},
		"by what":         {[]string{"--by", "memory", burst}, `--by must be callers or rate, got "memory"`},
		"recover at 100%": {[]string{"--recover-at", "100%", burst}, "--recover-at must be above 0% and below 100% of the capacity, got 100%"},
		"recover for 2s":  {[]string{"--recover-for", "2s", burst}, "--recover-for must be at least 5s (recovery is goodput held 5 s), or 0 for no recovery probe, got 2s"},
		"steps":           {[]string{steps}, "st arrives in steps: its load is its steps, not one level"},
		"callers.uploads": {[]string{uploads}, "up has callers that upload several times (callers.uploads)"},
	} {
		out := t.TempDir()
		code, _, stderr := cli(t, append([]string{"capacity", "--out", out}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "probe 1") {
			t.Errorf("%s: exit %d; stderr:\n%s", name, code, stderr)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("%s: wrote %d files before refusing", name, len(entries))
		}
	}
}

// TestCapacityCandidateLower: a candidate that sheds above 80 uploads in
// flight where the baseline sheds above 120 has a lower capacity (about
// 200 against 300), beyond the precision: exit 1, both answers written.
func TestCapacityCandidateLower(t *testing.T) {
	if testing.Short() {
		t.Skip("two searches")
	}
	dir := t.TempDir()
	write := func(name string, limit int64) string {
		srv := httptest.NewServer(&shedder{limit: limit, hold: 400 * time.Millisecond})
		t.Cleanup(srv.Close)
		p := filepath.Join(dir, name+".yaml")
		body := fmt.Sprintf(`name: %s
sut: {url: "%s", reset: {command: ["true"]}}
api: {completion: none}
callers: {count: 160, records: 1, timeout: 3s, retry: {attempts: 1}}
arrival: {profile: burst, window: 1s}
gates: ["http_429 == 0"]
`, name, srv.URL)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base, cand := write("base", 120), write("cand", 80)
	out, code, stderr := measured(t, dir, nil, "capacity", "--baseline", base, "--candidate", cand, "--precision", "10%", "--repeat", "1", "--cool-down", "0", "--recover-for", "0")
	if code != exitFail || !strings.Contains(stderr, "candidate capacity lower") {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	b, c := readCapacity(t, filepath.Join(out, "baseline")), readCapacity(t, filepath.Join(out, "candidate"))
	t.Logf("baseline %s; candidate %s", b.Answer, c.Answer)
	if abs(*b.Capacity-300) > 30 || abs(*c.Capacity-200) > 20 {
		t.Fatalf("baseline %d, candidate %d", *b.Capacity, *c.Capacity)
	}
	md, err := os.ReadFile(filepath.Join(out, "capacity-compare.md"))
	if err != nil || !strings.Contains(string(md), "candidate lower") {
		t.Fatalf("capacity-compare.md: %v\n%s", err, md)
	}
}
