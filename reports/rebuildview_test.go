package reports_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// TestRebuildFromASampleSaysSo: a report rebuilt from a sampled log alone
// (a killed run, no report.json) says its figures are of the sample, in
// its notes and its attempts_log, and counts the sample's callers.
func TestRebuildFromASampleSaysSo(t *testing.T) {
	in := reports.RandomAttempts(20_000, 2000, 3)
	dir := t.TempDir()
	reports.WriteLog(t, dir, reports.AttemptLogOptions{Mode: reports.AttemptsMode{Kind: reports.AttemptsSample, Percent: 5}, Seed: 9}, in)
	kept := reports.ReadLog(t, dir)
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := reports.Rebuild(f, reports.T0)
	if err != nil {
		t.Fatal(err)
	}
	l := r.AttemptsLog
	if !l.Sampled() || *l.SamplePercent != 5 || *l.SampleSeed != 9 || l.File != reports.AttemptLogGzFile || *l.Attempts != int64(len(kept)) {
		t.Fatalf("attempts_log %+v", l)
	}
	if len(r.Notes) < 2 || r.Notes[0] != reports.RebuiltNote || !strings.Contains(r.Notes[1], "a 5% sample of the callers (seed 9)") ||
		!strings.Contains(r.Notes[1], "not of the whole run") {
		t.Fatalf("notes %q", r.Notes)
	}
	if r.Callers.Total != int64(len(reports.CallersOf(kept))) || r.Callers.Attempts != int64(len(kept)) {
		t.Fatalf("callers %+v, the sample has %d callers and %d attempts", r.Callers, len(reports.CallersOf(kept)), len(kept))
	}
	var md bytes.Buffer
	if err := views.WriteMarkdown(&md, r); err != nil || !strings.Contains(md.String(), "sample of the callers") {
		t.Fatalf("markdown does not say it is a sample (%v)", err)
	}
	whole := t.TempDir()
	reports.WriteLog(t, whole, reports.AttemptLogOptions{}, in)
	wf, _ := reports.OpenAttemptLog(whole)
	defer wf.Close()
	if wr, err := reports.Rebuild(wf, reports.T0); err != nil || wr.AttemptsLog.Sampled() || strings.Contains(strings.Join(wr.Notes, " "), "sample") {
		t.Fatalf("a whole log rebuilt as a sample: %v %q", err, wr.Notes)
	}
}

func TestRebuildFromAttemptLog(t *testing.T) {
	r := reports.RebuiltReport(t)
	if r.Requests.Total != 5 || r.Requests.OK != 3 || r.Requests.Timeouts != 1 || r.Requests.Errors[reports.ClassHTTP5xx] != 1 ||
		r.Requests.Status["200"] != 2 || r.Requests.Status["202"] != 1 {
		t.Fatalf("requests %+v", r.Requests)
	}
	if r.Generator.Errors[reports.GenOutOfFiles] != 1 || r.Verdict != reports.VerdictInvalid {
		t.Fatalf("generator %+v verdict %s", r.Generator, r.Verdict)
	}
	if c := r.Callers; c.Total != 5 || c.Attempts != 6 || c.Retries != 1 || !c.OutcomesUnknown {
		t.Fatalf("callers %+v", c)
	}
	if r.Completion != nil || r.Crashes.Measured() || r.Async != nil || r.AsyncUntracked != 1 || !r.Interrupted {
		t.Fatalf("completion %v crashes %+v async %v untracked %d interrupted %v", r.Completion, r.Crashes, r.Async, r.AsyncUntracked, r.Interrupted)
	}
	if len(r.Timeline) != 4 || r.Timeline[2].Sent != 2 || r.Timeline[0].Sent != 2 || r.Timeline[0].SUTMemBytes != nil {
		t.Fatalf("timeline %+v", r.Timeline)
	}
	// Both latencies, as the run's aggregator had them: the successful
	// 20, 40 and 10 ms; with the 1 s timeout and the 30 ms 503 for all.
	if l := r.LatencyMs; l.Attempts != 3 || !reports.Near(l.P50, 20) || !reports.Near(l.Max, 40) {
		t.Fatalf("latency (successful) %s", reports.LatencyString(l))
	}
	if l := r.LatencyAllMs; l.Attempts != 5 || !reports.Near(l.P50, 30) || !reports.Near(l.Max, 1000) {
		t.Fatalf("latency (all) %s", reports.LatencyString(l))
	}
	if r.DurationS != 3.01 || !r.StartedAt.Equal(reports.T0) {
		t.Fatalf("duration %v started %v", r.DurationS, r.StartedAt)
	}
	notes := strings.Join(r.Notes, "\n")
	if r.Notes[0] != reports.RebuiltNote || !strings.Contains(reports.RebuiltNote, "rebuilt from the attempt log (attempts.csv.gz or attempts.csv) of a run that did not finish") ||
		!strings.Contains(notes, "cut off") || !strings.Contains(notes, "ulimit -n") {
		t.Fatalf("notes:\n%s", notes)
	}
	v := reports.Variables(r)
	for _, name := range []string{"callers", "succeeded", "gave_up", "completion_p99_ms", "crashes", "lost", "accepted", "drain_s"} {
		if _, ok := v[name]; ok {
			t.Errorf("variable %s measured in a rebuilt report", name)
		}
	}
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	reports.ValidateSchema(t, buf.Bytes())
	table := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) })
	for _, label := range []string{"succeeded", "gave up"} {
		if got := testenv.RowValue(t, table, "callers", label); got != reports.NotMeasured {
			t.Errorf("callers/%s = %q", label, got)
		}
	}
	if got := testenv.RowValue(t, table, "async", "lost"); got != reports.NotMeasured {
		t.Errorf("async/lost = %q", got)
	}
}

func TestRebuildRejectsWhatIsNotALog(t *testing.T) {
	for _, in := range []string{"", "a,b\n", "caller,try,intended_ms,sent_ms,latency_ms,status,class\n1,x,0,0,0,200,\n2,1,0,0,0,200,\n"} {
		if _, err := reports.Rebuild(strings.NewReader(in), reports.T0); err == nil {
			t.Errorf("Rebuild(%q) accepted", in)
		}
	}
	r, err := reports.Rebuild(strings.NewReader("caller,try,intended_ms,sent_ms,latency_ms,status,class\n"), time.Time{})
	if err != nil || r.Requests.Total != 0 || len(r.Notes) != 1 {
		t.Fatalf("empty log: %v %+v", err, r)
	}
	if html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) }); !strings.Contains(html, "start time not recorded") {
		t.Error("a rebuilt report without its start time shows year 1")
	}
}
