package reports_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
)

// TestCompareUnmeasuredIsNotApplicable: crash counts of an attack run were
// not measured: n/a, never same and never 0.
func TestCompareUnmeasuredIsNotApplicable(t *testing.T) {
	base, cand := reportstest.Sample("a", 25*time.Millisecond), reportstest.Sample("a", 25*time.Millisecond)
	cand.Crashes = reports.Crashes{}
	c := reports.Compare(reports.One(base), reports.One(cand), reports.CompareOptions{})
	if m := reports.Metric(t, c, "crashes"); m.Verdict != reports.NotApplicable || m.Candidate != nil || m.CandidateNote != "not measured (no crash watch)" {
		t.Errorf("crashes %+v", m)
	}
	if c.Worse() {
		t.Error("an unmeasured metric made it worse")
	}
	var buf bytes.Buffer
	if err := reports.WriteComparisonJSON(&buf, c); err != nil || !strings.Contains(buf.String(), `"candidate": null`) {
		t.Errorf("json: %v", err)
	}
}

// TestReportHostMatchesSchema: the optional host key validates.
func TestReportHostMatchesSchema(t *testing.T) {
	r := reportstest.Sample("h", 20*time.Millisecond)
	r.Host = reports.ThisHost()
	if r.Host.CPUs < 1 || r.Host.OS == "" || !strings.Contains(r.Host.Machine(), "×") {
		t.Fatalf("host %+v", r.Host)
	}
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	reports.ValidateSchema(t, buf.Bytes())
	back, err := reports.ReadJSON(&buf)
	if err != nil || back.Host == nil || back.Host.Machine() != r.Host.Machine() {
		t.Fatalf("host did not survive: %v %+v", err, back)
	}
}

func TestAggregatorCountsExactly(t *testing.T) {
	r := reportstest.Sample("s", 20*time.Millisecond)
	if r.Requests.Total != 120 || r.Requests.OK != 95 || r.Requests.Timeouts != 10 || r.Requests.Errors[reports.ClassHTTP5xx] != 15 {
		t.Fatalf("requests %+v", r.Requests)
	}
	if r.Requests.Status["202"] != 95 || r.Requests.Status["503"] != 15 {
		t.Fatalf("status %v", r.Requests.Status)
	}
	if r.Callers.Total != 100 || r.Callers.Succeeded != 94 || r.Callers.GaveUp != 5 || r.Callers.Retries != 20 || r.Callers.Attempts != 120 {
		t.Fatalf("callers %+v", r.Callers)
	}
	if a := r.Async; a == nil || a.Accepted != 95 || a.Completed != 94 || a.Lost != 1 || a.Duplicates != 0 || math.Abs(a.DrainS-3) > 0.1 {
		t.Fatalf("async %+v", r.Async)
	}
	// The 95 answers of 20 ms succeeded; the 10 timeouts of 1 s and the 15
	// fast 503s are in the latency of all answered attempts only.
	if l := r.LatencyMs; l.Attempts != 95 || !reports.Near(l.P50, 20) || !reports.Near(l.Max, 20) {
		t.Fatalf("latency (successful) %s", reports.LatencyString(l))
	}
	if l := r.LatencyAllMs; l.Attempts != 120 || !reports.Near(l.P50, 20) || math.Abs(*l.Max-1000) > 1 {
		t.Fatalf("latency (all) %s", reports.LatencyString(l))
	}
	if r.Generator.PlannedAttempts != 100 || r.Generator.Sent != 120 || math.Abs(r.Generator.MaxLagMs-1) > 0.01 || r.Generator.Saturated {
		t.Fatalf("generator %+v", r.Generator)
	}
	if b := r.Timeline[1]; b.SUTMemBytes == nil || *b.SUTMemBytes != 100<<20 || b.QueueDepth == nil || *b.QueueDepth != 7 {
		t.Fatalf("samples not in bucket 1: %+v", b)
	}
	v := reports.Variables(r)
	if v["lost"] != 1 || v["timeouts"] != 10 || math.Abs(v["error_rate"]-25.0/120) > 1e-9 || v["crashes"] != 1 {
		t.Fatalf("variables %v", v)
	}
}

func TestJSONRoundTripAndSchema(t *testing.T) {
	for _, r := range []*reports.Report{reportstest.Sample("a", time.Millisecond), reports.NewAggregator(reports.T0).Finish(reports.T0), reports.ClassedReport()} {
		var buf bytes.Buffer
		if err := reports.WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		reports.ValidateSchema(t, buf.Bytes())
		back, err := reports.ReadJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var again bytes.Buffer
		_ = reports.WriteJSON(&again, back)
		if !bytes.Equal(buf.Bytes(), again.Bytes()) {
			t.Fatal("report does not round-trip")
		}
	}
	if _, err := reports.ReadJSON(strings.NewReader(`{"schema":"other/v9"}`)); err == nil || !strings.Contains(err.Error(), "rehearse.report/v1") {
		t.Fatalf("wrong schema accepted: %v", err)
	}
}
