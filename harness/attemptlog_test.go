package harness

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// attemptLogText is the text of the run folder dir's attempt log, in
// either form.
func attemptLogText(dir string) (string, error) {
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(f.Name(), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return "", err
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

// logAttempts reads every attempt of dir's log, strictly.
func logAttempts(t *testing.T, dir string) []reports.Attempt {
	t.Helper()
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var as []reports.Attempt
	if err := reports.ReadAttemptLog(f, func(a reports.Attempt) error { as = append(as, a); return nil }); err != nil {
		t.Fatal(err)
	}
	return as
}

const logScenario = `name: logged
callers: {count: 400, records: 2, timeout: 5s, retry: {attempts: 3, backoff: constant, base: 20ms, on: [5xx]}}
arrival: {profile: ramp, window: 1s}
seed: 11
`

// runLogged runs logScenario against a counting service with opts.
func runLogged(t *testing.T, opts Options) (*Result, *tally) {
	t.Helper()
	svc := &tally{seen: map[string]int{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	opts.Out = t.TempDir()
	res, err := Run(t.Context(), parse(t, "sut: {url: \""+srv.URL+"\"}\n"+logScenario), opts)
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
	as := logAttempts(t, gz.Dir)
	if l == nil || l.Mode != reports.AttemptsAll || l.File != reports.AttemptLogGzFile || l.Attempts == nil ||
		*l.Attempts != int64(len(as)) || int64(len(as)) != svc.requests || gz.Report.Requests.Total != svc.requests {
		t.Fatalf("attempts_log %+v, %d attempts in the log, the service counted %d", l, len(as), svc.requests)
	}
	if _, err := os.Stat(filepath.Join(gz.Dir, reports.AttemptLogFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a plain log beside the compressed one: %v", err)
	}
	plain, psvc := runLogged(t, Options{AttemptsPlain: true})
	if l := plain.Report.AttemptsLog; l.File != reports.AttemptLogFile || int64(len(logAttempts(t, plain.Dir))) != psvc.requests {
		t.Fatalf("plain: attempts_log %+v, the service counted %d", l, psvc.requests)
	}
	none, _ := runLogged(t, Options{Attempts: reports.AttemptsMode{Kind: reports.AttemptsNone}})
	if l := none.Report.AttemptsLog; l.Mode != reports.AttemptsNone || l.File != "" || reports.HasAttemptLog(none.Dir) ||
		!strings.Contains(strings.Join(none.Report.Notes, "\n"), "no attempt log was written (--attempts none)") {
		t.Fatalf("none: attempts_log %+v, log written: %v", l, reports.HasAttemptLog(none.Dir))
	}
	b, err := os.ReadFile(filepath.Join(none.Dir, ReportJSON))
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
	as := logAttempts(t, res.Dir)
	if !l.Sampled() || *l.SamplePercent != 25 || *l.SampleSeed != 11 || *l.Attempts != int64(len(as)) {
		t.Fatalf("attempts_log %+v", l)
	}
	if res.Report.Requests.Total != svc.requests || !strings.Contains(strings.Join(res.Report.Notes, "\n"), "a 25% sample of the callers (seed 11)") {
		t.Fatalf("report of %d requests (service %d), notes %q", res.Report.Requests.Total, svc.requests, res.Report.Notes)
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
	for _, a := range logAttempts(t, again.Dir) {
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
	if err := os.Remove(filepath.Join(res.Dir, ReportJSON)); err != nil {
		t.Fatal(err)
	}
	f, _ := reports.OpenAttemptLog(res.Dir)
	defer f.Close()
	rebuilt, err := reports.Rebuild(f, res.Report.StartedAt)
	if err != nil || !rebuilt.AttemptsLog.Sampled() || rebuilt.Requests.Total >= svc.requests || !strings.Contains(rebuilt.Notes[1], "not of the whole run") {
		t.Fatalf("rebuilt: %v %+v %q", err, rebuilt.AttemptsLog, rebuilt.Notes)
	}
	var out bytes.Buffer
	ex, err := ExportVegeta(res.Dir, &out, VegetaJSON)
	if err != nil || ex.Results != int64(len(as)) || !strings.Contains(strings.Join(ex.Notes, "\n"), "that sample's attempts, not the whole run's") {
		t.Fatalf("vegeta export of a sample: %v %+v", err, ex)
	}
}

// TestShardsKeepEveryAttempt: a shard refuses a sample (merge needs every
// attempt); shards in either form, merged through their folders or
// through their emitted frames, give one compressed log with them all.
func TestShardsKeepEveryAttempt(t *testing.T) {
	svc := &tally{seen: map[string]int{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	sc := parse(t, "sut: {url: \""+srv.URL+"\"}\n"+logScenario)
	_, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Shard: Shard{Index: 0, Count: 2}, Attempts: reports.AttemptsMode{Kind: reports.AttemptsNone}})
	if !errors.Is(err, scenarios.ErrInvalid) || !strings.Contains(err.Error(), "a shard keeps them all") {
		t.Fatalf("a shard without its attempts: %v", err)
	}
	dir := t.TempDir()
	var frames bytes.Buffer
	for i := range 2 {
		out := filepath.Join(dir, "s"+string(rune('0'+i)))
		res, err := Run(t.Context(), sc, Options{Out: out, Shard: Shard{Index: i, Count: 2}, Version: "test", AttemptsPlain: i == 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := EmitShard(&frames, res.Dir); err != nil {
			t.Fatal(err)
		}
	}
	merged, err := Merge(t.Context(), []string{dir}, t.TempDir(), MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fromLogs, err := MergeLogs(t.Context(), []io.Reader{&frames}, t.TempDir(), MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Result{merged, fromLogs} {
		l := m.Report.AttemptsLog
		if n := int64(len(logAttempts(t, m.Dir))); n != svc.requests || m.Report.Requests.Total != svc.requests ||
			l == nil || l.Mode != reports.AttemptsAll || l.File != reports.AttemptLogGzFile || l.Attempts != nil {
			t.Fatalf("merged log of %d attempts, report %d, service %d; attempts_log %+v", n, m.Report.Requests.Total, svc.requests, l)
		}
	}
}
