package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitByWeight(t *testing.T) {
	cases := []struct {
		n       int
		weights []float64
		want    []int
	}{
		{3000, []float64{70, 30}, []int{2100, 900}},
		{10, []float64{1, 1, 1}, []int{4, 3, 3}},       // ties: the first declared
		{10, []float64{1, 1, 1, 0}, []int{4, 3, 3, 0}}, // weight 0: no caller
		{7, []float64{0.1, 0.2, 0.7}, []int{1, 1, 5}},  // 0.7, 1.4, 4.9: the largest remainders win
		{5, []float64{1, 4, 1}, []int{1, 3, 1}},        // 5/6, 20/6, 5/6: exact, so classes 0 and 2 tie
		{1, []float64{1, 1}, []int{1, 0}},              // fewer callers than classes
		{100, []float64{1e-300, 1}, []int{0, 100}},     // tiny but valid
		{4, []float64{-1, 2, 2}, []int{0, 2, 2}},       // validate refuses negatives; they get nothing
		{4, []float64{0, 0}, []int{0, 0}},              // validate refuses a zero sum
		{1_000_000, []float64{1, 3, 7}, []int{90909, 272727, 636364}},
	}
	for _, c := range cases {
		got := splitByWeight(c.n, c.weights)
		if !slices.Equal(got, c.want) {
			t.Errorf("split %d by %v = %v, want %v", c.n, c.weights, got, c.want)
		}
	}
}

// classed parses a scenario whose callers block is callers.
func classed(t testing.TB, callers string) *Scenario {
	t.Helper()
	sc, err := Parse("c.yaml", []byte("name: c\nseed: 9\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n"+callers))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestClassPlansMerge: a class's zero fields take the top-level values, its
// retry field by field, its vars laid over the top-level ones.
func TestClassPlansMerge(t *testing.T) {
	sc := classed(t, `  count: 10
  records: 50
  record_bytes: 64
  timeout: 10s
  vars: {tenant: acme, region: eu}
  retry: {attempts: 4, backoff: constant, base: 2s, retry_after: honor, budget: 0.2, breaker: {failures: 5, open: 30s}, on: [timeout]}
  classes:
    - {name: erp, weight: 3, records: {median: 200, p99: 2000}, vars: {region: us}}
    - {name: batch, weight: 1, records: 7000, record_bytes: 32, timeout: 5s, retry: {attempts: 10, backoff: none, budget: none, on: []}}
`)
	plans := sc.Callers.ClassPlans()
	if len(plans) != 2 {
		t.Fatalf("%d plans", len(plans))
	}
	erp, batch := plans[0], plans[1]
	top := sc.Callers.Retry
	if erp.Name != "erp" || erp.Count != 8 || erp.Records != (Distribution{Median: 200, P99: 2000, Max: 4000}) ||
		erp.RecordBytes != 64 || erp.Timeout.D() != 10*time.Second || fmt.Sprint(erp.Vars) != "map[region:us tenant:acme]" {
		t.Errorf("erp %+v", erp)
	}
	er := erp.Retry
	if er.Breaker == top.Breaker || *er.Breaker != *top.Breaker || er.Breaker.Open.D() != 30*time.Second {
		t.Errorf("erp breaker %+v, want a copy of the top-level %+v", er.Breaker, top.Breaker)
	}
	er.Breaker = top.Breaker
	if fmt.Sprint(er) != fmt.Sprint(top) {
		t.Errorf("erp retry %+v, want the top-level %+v (a copy)", erp.Retry, top)
	}
	r := batch.Retry
	if batch.Count != 2 || batch.Records.Fixed != 7000 || batch.RecordBytes != 32 || batch.Timeout.D() != 5*time.Second || batch.Vars["region"] != "eu" {
		t.Errorf("batch %+v", batch)
	}
	if r.Attempts != 10 || r.Backoff != BackoffNone || r.Base.D() != 2*time.Second || r.Max.D() != 30*time.Second || r.Jitter != JitterFull ||
		r.RetryAfter != RetryAfterHonor || r.Budget.Set || r.On == nil || len(r.On) != 0 || r.Breaker == nil || r.Breaker.Failures != 5 {
		t.Errorf("batch retry %+v: want attempts and backoff its own, budget none, on [], the rest the top level's", r)
	}
	batch.Vars["tenant"] = "changed"
	if sc.Callers.Vars["tenant"] != "acme" {
		t.Error("a plan's vars share the scenario's map")
	}

	none := classed(t, "  count: 7\n  records: 3\n  vars: {a: b}\n").Callers.ClassPlans()
	if len(none) != 1 || none[0].Name != "default" || none[0].Weight != 1 || none[0].Count != 7 || none[0].Records.Fixed != 3 || none[0].Vars["a"] != "b" {
		t.Errorf("no classes: %+v", none)
	}
}

// TestPopulationClasses: each class gets exactly its count, dealt the same
// way for the same seed, interleaved, with its own records and sizes.
func TestPopulationClasses(t *testing.T) {
	const callers = `  count: 1000
  classes:
    - {name: erp, weight: 70, records: 3, record_bytes: 20}
    - {name: batch, weight: 29, records: 9, record_bytes: 1048576}
    - {name: idle, weight: 1}
`
	p, err := NewPopulation(classed(t, callers))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := NewPopulation(classed(t, callers))
	counts := make([]int, 3)
	runs, deals := 0, ""
	for i := range p.Len() {
		c := p.Caller(i)
		counts[c.Class]++
		if i > 0 && c.Class != p.Caller(i-1).Class {
			runs++
		}
		deals += fmt.Sprint(c.Class)
		if qc := q.Caller(i); qc != c {
			t.Fatalf("caller %d differs between two populations of one seed: %+v %+v", i, c, qc)
		}
		want := map[int][2]int{0: {3, 20}, 1: {9, 1 << 20}, 2: {100, 200}}[c.Class]
		if c.Records != want[0] || c.RecordBytes != want[1] || len(p.Payload(i, c.Records-1)) != want[1] {
			t.Fatalf("caller %d of class %d: %d records of %d bytes, want %v", i, c.Class, c.Records, c.RecordBytes, want)
		}
	}
	if !slices.Equal(counts, []int{700, 290, 10}) {
		t.Errorf("counts %v, want [700 290 10]", counts)
	}
	if runs < 300 {
		t.Errorf("classes come in blocks (%d changes of class over 1000 callers): %s", runs, deals[:100])
	}
	cl := p.Classes()
	if len(cl) != 3 || cl[0].Name != "erp" || cl[0].Count != 700 || cl[2].Count != 10 || cl[2].RecordBytes != 200 {
		t.Errorf("Classes %+v", cl)
	}
	other, _ := NewPopulation(classed(t, strings.Replace(callers, "count: 1000", "count: 1000\n  records: 5", 1)))
	if other.Caller(0).Class != p.Caller(0).Class || other.Caller(999).Class != p.Caller(999).Class {
		t.Error("the deal depends on more than the seed and the counts")
	}
	r, err := NewRequests(classed(t, callers), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 2, 3} {
		var b bytes.Buffer
		n, _ := io.Copy(&b, r.Body(i, 1))
		var up struct {
			Records []struct{ Payload struct{ D string } }
		}
		if n != r.BodyLen(i, 1) || json.Unmarshal(b.Bytes(), &up) != nil || len(up.Records) != p.Caller(i).Records ||
			len(up.Records[0].Payload.D) != p.Caller(i).RecordBytes {
			t.Fatalf("caller %d: %d bytes (BodyLen %d), body of its class's shape: %v", i, n, r.BodyLen(i, 1), json.Valid(b.Bytes()))
		}
	}
}

// TestPopulationRejectsWhatValidateWould: a scenario built in code, not
// parsed, still cannot make the population panic.
func TestPopulationRejectsWhatValidateWould(t *testing.T) {
	s := &Scenario{Name: "x", Callers: Callers{Count: 5, Records: Distribution{Fixed: 1}, RecordBytes: 16,
		Classes: []CallerClass{{Name: "a"}, {Name: "b"}}}}
	if _, err := NewPopulation(s); err == nil || !strings.Contains(err.Error(), "weights sum to 0") {
		t.Errorf("zero weights: %v", err)
	}
	s.Callers.Classes[0].Weight, s.Callers.Classes[1].RecordBytes = 1, 2<<20
	if _, err := NewPopulation(s); err == nil || !strings.Contains(err.Error(), "record_bytes") {
		t.Errorf("record_bytes beyond the arena: %v", err)
	}
}

func TestClassGates(t *testing.T) {
	vars := map[string]float64{"gave_up[erp]": 0, "gave_up": 3, "amplification": 1.2, "p99_ms[batch]": 900}
	for expr, want := range map[string]bool{"gave_up[erp] == 0": true, "gave_up == 0": false, "amplification < 1.5": true, " p99_ms[batch]>1000": false} {
		g, err := parseGate(expr)
		if err != nil {
			t.Fatal(err)
		}
		if _, pass, err := g.Eval(vars); pass != want || err != nil {
			t.Errorf("%s = %v %v, want %v", expr, pass, err, want)
		}
	}
	for _, expr := range []string{"gave_up[erp] == 0", "gave_up [erp] == 0", "gave_up[ erp ] == 0"} {
		g, _ := parseGate(expr)
		if g.Variable() != "gave_up[erp]" || g.Class() != "erp" {
			t.Errorf("%s: Variable %q Class %q, want the report's key gave_up[erp]", expr, g.Variable(), g.Class())
		}
	}
	g, _ := parseGate("gave_up[erp] == 0")
	if (Gate{Expr: "retries[b-2_x] > 1"}).Class() != "b-2_x" || (Gate{Expr: "p99_ms < 1"}).Class() != "" || (Gate{Expr: "nonsense"}).Class() != "" {
		t.Error("Class of an unparsed gate")
	}
	if _, _, err := g.Eval(map[string]float64{"gave_up": 0}); err == nil || !strings.Contains(err.Error(), "no value for gave_up[erp]") {
		t.Errorf("a class's value is looked up under its full name: %v", err)
	}
	for expr, want := range map[string]string{
		"gave_up[Erp] == 0":  "want gave_up[class] with a class name of [a-z0-9_-]+",
		"gave_up[erp == 0":   "want gave_up[class]",
		"gave_up[] == 0":     "want gave_up[class]",
		"crashes[erp] == 0":  `"crashes" has no value per class`,
		"gave_upp[erp] == 0": `"gave_upp" has no value per class`,
		"gave_up[erp] == x":  `"x" is not a number`,
	} {
		if _, err := parseGate(expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", expr, err, want)
		}
	}
	// Without classes a class gate may name the one class, default.
	if _, err := Parse("g.yaml", []byte(minimal+"gates: [\"gave_up[default] == 0\"]\nsignature: [\"retries[erp] > 0\"]\n")); err == nil ||
		!strings.Contains(err.Error(), `g.yaml:5:13: signature[0]: gate "retries[erp] > 0": no caller class "erp" (classes: default)`) {
		t.Errorf("class gates without classes: %v", err)
	}
}

func TestValidateClassLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("  count: 1000\n  classes:\n")
	for i := range MaxClasses + 1 {
		fmt.Fprintf(&b, "    - {name: c%d, weight: 1}\n", i)
	}
	sc, err := Parse("c.yaml", []byte("name: c\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n"+b.String()))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:6:5: callers.classes: at most 255 classes, got 256") {
		t.Errorf("256 classes: %v %v", err, sc != nil)
	}
	_, err = Parse("c.yaml", []byte("name: c\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n  count: 2\n  classes: [{name: a}, {name: b, weight: 0}]\n"))
	if err == nil || err.Error() != "c.yaml:5:12: callers.classes: the weights sum to 0: give at least one class a weight > 0" {
		t.Errorf("zero weights: %v", err)
	}
}
