package analysis

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/rehearse-dev/rehearse/reports"
)

// exportFolder is a run folder: report.json (when withReport) and an
// attempts.csv whose attempts ended in another order than they were sent.
func exportFolder(t *testing.T, start time.Time, withReport bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "up")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, reports.AttemptLogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := reports.NewAttemptLog(f)
	for _, a := range []reports.Attempt{
		{Caller: 1, Try: 1, Sent: 20 * time.Millisecond, Latency: 5 * time.Millisecond, Status: 201, BytesOut: 300, BytesIn: 12},
		{Caller: 0, Try: 1, Sent: 10 * time.Millisecond, Latency: 2 * time.Second, Class: reports.ClassTimeout, BytesOut: 250},
		{Caller: 0, Try: 2, Sent: 2100 * time.Millisecond, Latency: 7 * time.Millisecond, Status: 503, Class: reports.ClassHTTP5xx, BytesOut: 250, BytesIn: 4},
	} {
		if err := l.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if withReport {
		rep := reports.NewAggregator(start).Finish(start.Add(3 * time.Second))
		rep.Scenario.Name = "uploads"
		rep.SUT.Target = "http://127.0.0.1:9/api/"
		rep.ScenarioYAML = "name: uploads\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 2}\n" +
			"api: {upload: {method: PUT, path: \"/in/{caller}?v=1\", headers: {Authorization: \"Bearer ${SECRET_TOKEN}\"}}}\n"
		t.Setenv("SECRET_TOKEN", "s3cret")
		if err := harness.WriteRunFolder(dir, rep); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// decodeAll reads every result of a stream with vegeta's own decoder for
// what it holds (DecoderFor, as `vegeta report` does).
func decodeAll(t *testing.T, b []byte) []vegeta.Result {
	t.Helper()
	dec := vegeta.DecoderFor(bytes.NewReader(b))
	if dec == nil {
		t.Fatalf("vegeta does not read it: %.200q", b)
	}
	var out []vegeta.Result
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
}

// TestExportVegetaFields: each attempt is one result, in the log's order,
// with its place in send order, its time on the storm's clock, its class
// as the error, its body bytes, and the target with the upload's path as
// written (no header, so no secret); gob and JSON lines hold the same
// results.
func TestExportVegetaFields(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dir := exportFolder(t, start, true)
	var gob, js bytes.Buffer
	ex, err := ExportVegeta(dir, &gob, VegetaGob)
	if err != nil || ex.Results != 3 || len(ex.Notes) != 0 {
		t.Fatalf("export %+v, %v", ex, err)
	}
	if _, err := ExportVegeta(dir, &js, VegetaJSON); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(js.Bytes(), []byte(`{"attack":"uploads","seq":1,`)) || bytes.Count(js.Bytes(), []byte("\n")) != 3 {
		t.Fatalf("json lines:\n%s", js.String())
	}
	url := "http://127.0.0.1:9/api/in/{caller}?v=1"
	want := []vegeta.Result{
		{Attack: "uploads", Seq: 1, Code: 201, Timestamp: start.Add(20 * time.Millisecond), Latency: 5 * time.Millisecond, BytesOut: 300, BytesIn: 12, Method: "PUT", URL: url},
		{Attack: "uploads", Seq: 0, Timestamp: start.Add(10 * time.Millisecond), Latency: 2 * time.Second, BytesOut: 250, Error: "timeout", Method: "PUT", URL: url},
		{Attack: "uploads", Seq: 2, Code: 503, Timestamp: start.Add(2100 * time.Millisecond), Latency: 7 * time.Millisecond, BytesOut: 250, BytesIn: 4, Error: "http_5xx", Method: "PUT", URL: url},
	}
	for name, got := range map[string][]vegeta.Result{"gob": decodeAll(t, gob.Bytes()), "json": decodeAll(t, js.Bytes())} {
		if len(got) != len(want) {
			t.Fatalf("%s: %d results", name, len(got))
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Errorf("%s result %d:\n got %+v\nwant %+v", name, i, got[i], want[i])
			}
		}
	}
	if strings.Contains(gob.String()+js.String(), "s3cret") {
		t.Error("a secret's value reached the results")
	}
}

// TestExportVegetaKilledAndOldRuns: what the folder did not record is
// filled as vegeta reads it and said: no report.json, the folder's name
// and times from VegetaEpoch; no byte columns, bytes 0; a cut last line
// left out.
func TestExportVegetaKilledAndOldRuns(t *testing.T) {
	dir := exportFolder(t, time.Time{}, false)
	p := filepath.Join(dir, reports.AttemptLogFile)
	old := "caller,try,intended_ms,sent_ms,latency_ms,status,class,caller_class\n0,1,0.000,1500.000,20.000,200,,0\n1,1,0.000,1.0"
	if err := os.WriteFile(p, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ex, err := ExportVegeta(dir, &out, VegetaGob)
	if err != nil || ex.Results != 1 || len(ex.Notes) != 3 {
		t.Fatalf("export %+v, %v", ex, err)
	}
	notes := strings.Join(ex.Notes, "\n")
	for _, w := range []string{"no report.json", "1970-01-01T00:00:00Z", "bytes_out and bytes_in are 0", "cut off"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
	got := decodeAll(t, out.Bytes())
	want := vegeta.Result{Attack: "up", Code: 200, Timestamp: VegetaEpoch.Add(1500 * time.Millisecond), Latency: 20 * time.Millisecond}
	if len(got) != 1 || !got[0].Equal(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if _, err := ExportVegeta(t.TempDir(), &out, VegetaGob); err == nil {
		t.Error("a folder without attempts.csv exported")
	}
}
