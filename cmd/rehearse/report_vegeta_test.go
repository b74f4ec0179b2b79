package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// mixedServer answers as a service under a storm does, and counts its own
// truth: a 404 to caller 5, a 503 to the first try of every other fourth
// caller (1, 9: retried, then 200), no answer to caller 3 (it waits out the
// caller's timeout), 200 to the rest.
type mixedServer struct {
	mu              sync.Mutex
	tries           map[string]int
	requests        int
	bodyIn, bodyOut int64 // body bytes read from requests, written in answers
}

func (s *mixedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := drain(r)
	caller := r.PathValue("caller")
	i, _ := strconv.Atoi(strings.TrimPrefix(caller, "caller-"))
	s.mu.Lock()
	s.tries[caller]++
	try := s.tries[caller]
	s.requests++
	s.bodyIn += n
	code, body := http.StatusOK, "stored\n"
	switch {
	case i == 3:
		s.mu.Unlock()
		<-r.Context().Done() // the caller hangs up at its timeout
		return
	case i == 5:
		code, body = http.StatusNotFound, "no such caller\n"
	case i%4 == 1 && try == 1:
		code, body = http.StatusServiceUnavailable, "busy\n"
	}
	s.bodyOut += int64(len(body))
	s.mu.Unlock()
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

// vegetaReport is what `vegeta report -type=json` says of a results file.
type vegetaReport struct {
	Requests    int64          `json:"requests"`
	Success     float64        `json:"success"`
	StatusCodes map[string]int `json:"status_codes"`
	Errors      []string       `json:"errors"`
	BytesIn     vegetaBytes    `json:"bytes_in"`
	BytesOut    vegetaBytes    `json:"bytes_out"`
}

type vegetaBytes struct {
	Total int64 `json:"total"`
}

// TestReportVegetaExport: a real run's attempts exported with --format
// vegeta are read by the vegeta CLI itself: `vegeta report` counts the
// attempts' requests, status codes, success ratio, errors and body bytes
// (equal to what the service counted), and `vegeta plot` draws them;
// --format vegeta-json carries the same results as JSON lines. A killed
// run (no report.json) exports too, saying what it could not know.
func TestReportVegetaExport(t *testing.T) {
	vegeta := testenv.VegetaCLI(t)
	truth := &mixedServer{tries: map[string]int{}}
	mux := http.NewServeMux()
	mux.Handle("/v1/callers/{caller}/records", truth)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sc := writeScenario(t, "name: vegexp\nsut: {url: "+srv.URL+"}\n"+
		"callers: {count: 12, records: 3, timeout: 3s, retry: {attempts: 2, base: 10ms, max: 20ms}}\n"+
		"arrival: {profile: burst, window: 200ms}\n")
	out := t.TempDir()
	if code, _, stderr := cli(t, "attack", "--target", srv.URL, "--out", out, "--progress", "none", sc); code != 0 {
		t.Fatalf("attack: exit %d\n%s", code, stderr)
	}
	dir := filepath.Join(out, "vegexp")
	want := attemptsTruth(t, dir)
	truth.mu.Lock()
	if int64(truth.requests) != want.Requests || truth.bodyIn != want.BytesOut.Total || truth.bodyOut != want.BytesIn.Total {
		t.Errorf("the service saw %d requests, read %d body bytes, answered %d; attempts.csv says %d, %d, %d",
			truth.requests, truth.bodyIn, truth.bodyOut, want.Requests, want.BytesOut.Total, want.BytesIn.Total)
	}
	truth.mu.Unlock()

	bin := filepath.Join(t.TempDir(), "results.bin")
	if code, _, stderr := cli(t, "report", "--format", "vegeta", "--output", bin, dir); code != 0 || stderr != "" {
		t.Fatalf("export: exit %d, stderr %q", code, stderr)
	}
	checkVegetaReport(t, vegeta, bin, want)
	plot := runVegeta(t, vegeta, "plot", bin)
	if !bytes.Contains(plot, []byte("<html")) || !bytes.Contains(plot, []byte("vegexp")) {
		t.Errorf("vegeta plot: not an HTML plot of the attack:\n%.300s", plot)
	}

	code, stdout, stderr := cli(t, "report", "--format", "vegeta-json", dir)
	if code != 0 || stderr != "" {
		t.Fatalf("export json: exit %d, stderr %q", code, stderr)
	}
	checkVegetaJSON(t, stdout, srv.URL, want.Requests)
	jsonFile := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(jsonFile, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	checkVegetaReport(t, vegeta, jsonFile, want)

	// Killed before report.json: the same attempts, from 1970, said.
	if err := os.Remove(filepath.Join(dir, "report.json")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = cli(t, "report", "--format", "vegeta", "--output", bin, dir); code != 0 || !strings.Contains(stderr, "1970-01-01T00:00:00Z") {
		t.Fatalf("killed run: exit %d, stderr %q", code, stderr)
	}
	checkVegetaReport(t, vegeta, bin, want)
	if code, _, stderr = cli(t, "report", "--format", "vegeta", t.TempDir()); code != exitUsage || !strings.Contains(stderr, "no attempt log (attempts.csv.gz or attempts.csv)") {
		t.Fatalf("not a run folder: exit %d, stderr %q", code, stderr)
	}
}

// attemptsTruth is what vegeta must report of dir's attempts.csv.
func attemptsTruth(t *testing.T, dir string) vegetaReport {
	t.Helper()
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := vegetaReport{StatusCodes: map[string]int{}}
	var ok int64
	classes := map[string]bool{}
	if err := reports.ReadAttemptLog(f, func(a reports.Attempt) error {
		want.Requests++
		want.StatusCodes[strconv.Itoa(int(a.Status))]++
		if a.Status >= 200 && a.Status < 400 {
			ok++
		}
		if a.Class != reports.ClassNone && !classes[string(a.Class)] {
			classes[string(a.Class)] = true
			want.Errors = append(want.Errors, string(a.Class))
		}
		want.BytesIn.Total += a.BytesIn
		want.BytesOut.Total += a.BytesOut
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want.Success = float64(ok) / float64(want.Requests)
	// 12 callers; 1 and 9 retried after a 503, caller 3 timed out twice.
	if want.Requests != 15 || want.StatusCodes["503"] != 2 || want.StatusCodes["404"] != 1 || want.StatusCodes["0"] != 2 || !classes["timeout"] {
		t.Fatalf("the run is not the one this test means: %+v", want)
	}
	return want
}

// checkVegetaReport runs `vegeta report -type=json` on results and
// compares it with want.
func checkVegetaReport(t *testing.T, vegeta, results string, want vegetaReport) {
	t.Helper()
	var got vegetaReport
	if err := json.Unmarshal(runVegeta(t, vegeta, "report", "-type=json", results), &got); err != nil {
		t.Fatal(err)
	}
	same := got.Requests == want.Requests && math.Abs(got.Success-want.Success) < 1e-9 &&
		len(got.StatusCodes) == len(want.StatusCodes) && got.BytesIn == want.BytesIn && got.BytesOut == want.BytesOut &&
		len(got.Errors) == len(want.Errors)
	for code, n := range want.StatusCodes {
		same = same && got.StatusCodes[code] == n
	}
	for _, e := range want.Errors {
		same = same && strings.Contains(strings.Join(got.Errors, "\n"), e)
	}
	if !same {
		t.Errorf("%s: vegeta report says %+v; the attempts say %+v", filepath.Base(results), got, want)
	}
}

// checkVegetaJSON checks the JSON lines' fields that vegeta report does
// not show: the attack, method, URL and one seq per attempt.
func checkVegetaJSON(t *testing.T, lines, target string, n int64) {
	t.Helper()
	method, path, _ := strings.Cut(scenarios.DefaultUpload, " ")
	seen := map[uint64]bool{}
	sc := bufio.NewScanner(strings.NewReader(lines))
	for sc.Scan() {
		var r struct {
			Attack, Method, URL string
			Seq                 uint64
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if r.Attack != "vegexp" || r.Method != method || r.URL != target+path || r.Seq >= uint64(n) || seen[r.Seq] {
			t.Fatalf("result %s", sc.Text())
		}
		seen[r.Seq] = true
	}
	if int64(len(seen)) != n {
		t.Fatalf("%d results, want %d", len(seen), n)
	}
}

func runVegeta(t *testing.T, vegeta string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(vegeta, args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("vegeta %v: %v\n%s", args, err, stderr)
	}
	return out
}
