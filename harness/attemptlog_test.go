package harness

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/harness/analysis"
	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

const logScenario = `name: logged
callers: {count: 400, records: 2, timeout: 5s, retry: {attempts: 3, backoff: constant, base: 20ms, on: [5xx]}}
arrival: {profile: ramp, window: 1s}
seed: 11
`

// runLogged runs logScenario against a counting service with opts.
func runLogged(t *testing.T, opts Options) (*Result, *testenv.Tally) {
	t.Helper()
	svc := testenv.NewTally()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	opts.Out = t.TempDir()
	res, err := Run(t.Context(), harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+logScenario), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, svc
}

// TestRunAttemptLogForms: a run writes attempts.csv.gz by default, every
// attempt the service counted in it and attempts_log saying so; csv writes
// the plain form with the same attempts; none writes no log.
func TestRunAttemptLogForms(t *testing.T) {
	gz, svc := runLogged(t, Options{})
	l := gz.Report.AttemptsLog
	as := harnesstest.AttemptLog(t, gz.Dir)
	if l == nil || l.Mode != reports.AttemptsAll || l.File != reports.AttemptLogGzFile || l.Attempts == nil ||
		*l.Attempts != int64(len(as)) || int64(len(as)) != svc.Requests() || gz.Report.Requests.Total != svc.Requests() {
		t.Fatalf("attempts_log %+v, %d attempts in the log, the service counted %d", l, len(as), svc.Requests())
	}
	if _, err := os.Stat(filepath.Join(gz.Dir, reports.AttemptLogFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a plain log beside the compressed one: %v", err)
	}
	plain, psvc := runLogged(t, Options{AttemptsPlain: true})
	if l := plain.Report.AttemptsLog; l.File != reports.AttemptLogFile || int64(len(harnesstest.AttemptLog(t, plain.Dir))) != psvc.Requests() {
		t.Fatalf("plain: attempts_log %+v, the service counted %d", l, psvc.Requests())
	}
	none, _ := runLogged(t, Options{Attempts: reports.AttemptsMode{Kind: reports.AttemptsNone}})
	if l := none.Report.AttemptsLog; l.Mode != reports.AttemptsNone || l.File != "" || reports.HasAttemptLog(none.Dir) ||
		!strings.Contains(strings.Join(none.Report.Notes, "\n"), "no attempt log was written (--attempts none)") {
		t.Fatalf("none: attempts_log %+v, log written: %v", l, reports.HasAttemptLog(none.Dir))
	}
	b, err := os.ReadFile(filepath.Join(none.Dir, reports.ReportJSON))
	if err != nil || !bytes.Contains(b, []byte(`"attempts_log": {`)) || !bytes.Contains(b, []byte(`"mode": "none"`)) {
		t.Fatalf("report.json of none: %v\n%.200s", err, b)
	}
}

// TestRunAttemptLogSample: a sample keeps every attempt of a seeded share
// of the callers, the report says which, its figures stay of every
// attempt, and a report rebuilt from the log alone says it is a sample.
func TestRunAttemptLogSample(t *testing.T) {
	mode := reports.AttemptsMode{Kind: reports.AttemptsSample, Percent: 25}
	res, svc := runLogged(t, Options{Attempts: mode})
	l := res.Report.AttemptsLog
	as := harnesstest.AttemptLog(t, res.Dir)
	if !l.Sampled() || *l.SamplePercent != 25 || *l.SampleSeed != 11 || *l.Attempts != int64(len(as)) {
		t.Fatalf("attempts_log %+v", l)
	}
	if res.Report.Requests.Total != svc.Requests() || !strings.Contains(strings.Join(res.Report.Notes, "\n"), "a 25% sample of the callers (seed 11)") {
		t.Fatalf("report of %d requests (service %d), notes %q", res.Report.Requests.Total, svc.Requests(), res.Report.Notes)
	}
	byCaller := map[int32]int{}
	for _, a := range as {
		byCaller[a.Caller]++
	}
	if len(byCaller) < 60 || len(byCaller) > 140 {
		t.Fatalf("%d of 400 callers kept", len(byCaller))
	}
	again, _ := runLogged(t, Options{Attempts: mode})
	againBy := map[int32]bool{}
	for _, a := range harnesstest.AttemptLog(t, again.Dir) {
		againBy[a.Caller] = true
	}
	for c, n := range byCaller {
		if !againBy[c] {
			t.Fatalf("caller %d (%d attempts) kept in one run of seed 11, not in the other", c, n)
		}
	}
	if len(againBy) != len(byCaller) {
		t.Fatalf("seed 11 keeps %d callers, then %d", len(byCaller), len(againBy))
	}
	if err := os.Remove(filepath.Join(res.Dir, reports.ReportJSON)); err != nil {
		t.Fatal(err)
	}
	f, _ := reports.OpenAttemptLog(res.Dir)
	defer f.Close()
	rebuilt, err := reports.Rebuild(f, res.Report.StartedAt)
	if err != nil || !rebuilt.AttemptsLog.Sampled() || rebuilt.Requests.Total >= svc.Requests() || !strings.Contains(rebuilt.Notes[1], "not of the whole run") {
		t.Fatalf("rebuilt: %v %+v %q", err, rebuilt.AttemptsLog, rebuilt.Notes)
	}
	var out bytes.Buffer
	ex, err := analysis.ExportVegeta(res.Dir, &out, analysis.VegetaJSON)
	if err != nil || ex.Results != int64(len(as)) || !strings.Contains(strings.Join(ex.Notes, "\n"), "that sample's attempts, not the whole run's") {
		t.Fatalf("vegeta export of a sample: %v %+v", err, ex)
	}
}
