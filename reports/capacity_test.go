package reports

import (
	"bytes"
	"strings"
	"testing"
)

// capacityExample is a search of a shedding service: 40 … 320 callers,
// [280, 300] the bracket, one invalid probe.
func CapacityExample() *Capacity {
	f := func(v float64) *float64 { return &v }
	pass, fail := 280, 300
	c := &Capacity{Schema: CapacitySchema, Scenario: "shed", By: ByCallers, Unit: "callers", Capacity: &pass,
		Bracket: Bracket{Pass: &pass, Fail: &fail}, Precision: 0.1, FailureMode: ModeShedding, Stopped: StopPrecision,
		Answer: "280 callers (every gate held), 300 failed (shedding)", Notes: []string{}}
	for i, lv := range []int{40, 80, 160, 320, 240, 280, 300, 300} {
		p := CapacityProbe{N: i + 1, Level: lv, Verdict: VerdictPass, Valid: true, GatesFailed: []string{},
			GoodputRPS: f(0.9 * float64(min(lv, 290))), P99Ms: f(102), RunDir: "probes/x/shed"}
		if lv > 280 {
			p.Verdict, p.GatesFailed, p.HTTP429 = VerdictFail, []string{"http_429 == 0"}, int64(lv-290)
		}
		if i == 6 {
			p.Valid, p.Verdict, p.Invalid = false, VerdictInvalid, "the generator saturated (lag p99 12.0 ms)"
		}
		c.Probes = append(c.Probes, p)
	}
	return c
}

// TestCapacityJSONRoundTrip: capacity.json carries its schema, null for
// what was not measured, and reads back.
func TestCapacityJSONRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCapacityJSON(&b, CapacityExample()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"schema": "rehearse.capacity/v1"`, `"crashes": null`, `"recovery": null`, `"first_failed_gate": null`,
		`"bracket": {`, `"generator_limited": false`, `"failure_mode": "shedding"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("capacity.json lacks %s", want)
		}
	}
	c, err := ReadCapacityJSON(&b)
	if err != nil || *c.Capacity != 280 || len(c.Probes) != 8 {
		t.Fatalf("%v %+v", err, c)
	}
	if _, err := ReadCapacityJSON(strings.NewReader(`{"schema":"rehearse.report/v1"}`)); err == nil {
		t.Fatal("a report read as a capacity")
	}
}
