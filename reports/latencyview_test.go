package reports_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// TestLatencyNoSuccessIsNull: when nothing succeeded the successful
// latency is null in report.json, absent from the gate variables with its
// reason, and "no successful attempt" in the views, never 0; the latency
// of all answered attempts is still measured.
func TestLatencyNoSuccessIsNull(t *testing.T) {
	a := reports.NewAggregator(reports.T0)
	for i := range 10 {
		a.AddAttempt(reports.Attempt{Caller: int32(i), Try: 1, Sent: time.Duration(i) * time.Millisecond, Latency: 3 * time.Millisecond, Status: 503, Class: reports.ClassHTTP5xx})
	}
	r := a.Finish(reports.T0.Add(time.Second))
	if r.LatencyMs.Measured() || r.LatencyMs.Attempts != 0 || r.LatencyMs.Mean != nil || r.LatencyMs.Max != nil {
		t.Fatalf("latency_ms %s, want nothing measured", reports.LatencyString(r.LatencyMs))
	}
	if !reports.Near(r.LatencyAllMs.P50, 3) || r.LatencyAllMs.Attempts != 10 {
		t.Fatalf("latency_all_ms %s", reports.LatencyString(r.LatencyAllMs))
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	reports.ValidateSchema(t, raw)
	var doc struct {
		Lat      map[string]any   `json:"latency_ms"`
		Timeline []map[string]any `json:"timeline"`
		Classes  map[string]map[string]any
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mean", "p50", "p90", "p99", "max"} {
		if v, ok := doc.Lat[k]; !ok || v != nil {
			t.Errorf("latency_ms.%s = %v (present %v), want null", k, v, ok)
		}
	}
	if doc.Timeline[0]["p99_ms"] != nil || doc.Timeline[0]["p99_all_ms"] == nil || doc.Classes[reports.DefaultClass]["p50_ms"] != nil {
		t.Errorf("timeline %v classes %v", doc.Timeline[0], doc.Classes)
	}
	v := reports.Variables(r)
	for _, name := range []string{"p50_ms", "p90_ms", "p99_ms", "max_ms", "p50_ms[default]", "p99_ms[default]"} {
		if _, ok := v[name]; ok {
			t.Errorf("%s measured with no successful attempt", name)
		}
	}
	if why := reports.MissingReason(r, "p99_ms"); why != reports.NoSuccess {
		t.Errorf("p99_ms: %q", why)
	}
	if why := reports.MissingReason(r, "p99_ms[default]"); why != "not measured (class default had no successful attempt)" {
		t.Errorf("p99_ms[default]: %q", why)
	}
	if _, ok := v["p99_all_ms"]; !ok {
		t.Error("p99_all_ms not measured")
	}
	var buf bytes.Buffer
	if err := views.WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "latency (successful)") || !strings.Contains(out, "latency (all answered)") || !strings.Contains(out, reports.NoSuccess) {
		t.Errorf("table lacks the labelled latencies or the reason:\n%s", out)
	}
}
