package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const sec = time.Second

// classedReport is a run with three classes whose counts are computed by
// hand in TestClassCounts:
//
//	erp   c0: ok (100 ms)
//	      c1: timeout (1 s), then ok (200 ms); one wait set by Retry-After
//	      c2: 503, 503, then a generator error; gave up, budget denied, breaker opened once
//	      c3: its only attempt aborted by the run's stop
//	batch c4: 429, 429, then ok (300 ms); two Retry-After waits, breaker opened twice
//	      c5: bad_answer (201 without the id), gave up
//	idle  no caller
func ClassedReport() *Report {
	a := NewAggregator(T0)
	a.SetClasses([]string{"erp", "batch", "idle"})
	a.SetPlanned(6)
	ms := time.Millisecond
	for _, at := range []Attempt{
		{Caller: 0, Try: 1, Sent: 0, Latency: 100 * ms, Status: 200},
		{Caller: 1, Try: 1, Sent: 500 * ms, Latency: sec, Class: ClassTimeout},
		{Caller: 1, Try: 2, Sent: 2 * sec, Latency: 200 * ms, Status: 200},
		{Caller: 2, Try: 1, Sent: sec, Latency: 50 * ms, Status: 503, Class: ClassHTTP5xx},
		{Caller: 2, Try: 2, Sent: 1500 * ms, Latency: 50 * ms, Status: 503, Class: ClassHTTP5xx},
		{Caller: 2, Try: 3, Sent: 2500 * ms, Class: GenLocal},
		{Caller: 3, Try: 1, Sent: 3 * sec, Class: ClassAborted},
		{Caller: 4, Try: 1, Sent: 200 * ms, Latency: 10 * ms, Status: 429, Class: ClassHTTP429, CallerClass: 1},
		{Caller: 4, Try: 2, Sent: 1200 * ms, Latency: 10 * ms, Status: 429, Class: ClassHTTP429, CallerClass: 1},
		{Caller: 4, Try: 3, Sent: 2200 * ms, Latency: 300 * ms, Status: 200, CallerClass: 1},
		{Caller: 5, Try: 1, Sent: sec, Latency: 20 * ms, Status: 201, Class: ClassBadAnswer, CallerClass: 1},
	} {
		at.Intended = at.Sent
		a.AddAttempt(at)
	}
	a.AddBadAnswer(BadAnswer{AtS: 1.02, Caller: 5, Status: 201, Reason: `no "job.id" in the answer`, Body: `{"job":{"name":"x"}}` + strings.Repeat(" ", 600)})
	a.AddBadAnswer(BadAnswer{AtS: 1.5, Caller: 5, Status: 201, Reason: "a later one"})
	a.AddBreakerOpen(1700*ms, 0)
	a.AddBreakerOpen(2900*ms, 1)
	a.AddBreakerOpen(2950*ms, 1)
	for _, o := range []CallerOutcome{
		{Caller: 0, Attempts: 1, Succeeded: true, Completion: 100 * ms},
		{Caller: 1, Attempts: 2, Succeeded: true, Completion: 2200 * ms, RetryAfterWaits: 1},
		{Caller: 2, Attempts: 3, GaveUp: true, BudgetDenied: true, BreakerOpens: 1},
		{Caller: 3, Attempts: 1},
		{Caller: 4, Attempts: 3, Succeeded: true, Completion: 2500 * ms, CallerClass: 1, RetryAfterWaits: 2, BreakerOpens: 2},
		{Caller: 5, Attempts: 1, GaveUp: true, CallerClass: 1},
	} {
		a.AddCaller(o)
	}
	r := a.Finish(T0.Add(4 * sec))
	r.Scenario = ScenarioInfo{Name: "team-api", File: "team-api.yaml", Seed: 5}
	r.SUT = SUTInfo{Kind: "image", Image: "team/api:v1", Replicas: 1, Runtime: "docker", Network: "bridge", Target: "http://10.0.0.3:80"}
	r.Crashes = Crashes{Count: new(int64(0)), OOMKills: new(int64(0)), Restarts: new(int64(0)), DowntimeS: new(0.0), Events: []CrashEvent{}}
	r.Verdict = VerdictInvalid // the generator error
	r.Gates = []GateResult{{Expr: "gave_up[erp] == 0", Value: new(1.0)}, {Expr: "p99_ms[idle] < 500", Reason: MissingReason(r, "p99_ms[idle]")}}
	return r
}

// near reports whether an HDR percentile p is v within its 3 significant
// digits.
func Near(p *float64, v float64) bool { return p != nil && math.Abs(*p-v) <= v/500 }

func TestClassCounts(t *testing.T) {
	r := ClassedReport()
	if len(r.Classes) != 3 {
		t.Fatalf("classes %v", r.Classes)
	}
	erp, batch, idle := r.Classes["erp"], r.Classes["batch"], r.Classes["idle"]
	for _, c := range []struct {
		name      string
		got, want ClassReport
	}{
		{"erp", *erp, ClassReport{Callers: 4, Succeeded: 2, GaveUp: 1, Attempts: 5, FirstAttempts: 3, Retries: 2, Timeouts: 1,
			BudgetDenied: 1, BreakerOpens: 1, RetryAfterWaits: 1}},
		{"batch", *batch, ClassReport{Callers: 2, Succeeded: 1, GaveUp: 1, Attempts: 4, FirstAttempts: 2, Retries: 2,
			BreakerOpens: 2, RetryAfterWaits: 2}},
		{"idle", *idle, ClassReport{}},
	} {
		got := c.got
		got.P50Ms, got.P99Ms, got.P50AllMs, got.P99AllMs, got.Amplification = nil, nil, nil, nil, nil
		if got != c.want {
			t.Errorf("%s: %+v\nwant %+v", c.name, got, c.want)
		}
	}
	// Successful: erp's 100 and 200 ms, batch's 300 ms. All answered: erp's
	// 50, 50, 100, 200 and 1000 ms, batch's 10, 10, 20 and 300 ms.
	if !Near(erp.P50Ms, 100) || !Near(erp.P99Ms, 200) || !Near(batch.P50Ms, 300) || !Near(batch.P99Ms, 300) {
		t.Errorf("percentiles (successful) erp %v %v batch %v %v", *erp.P50Ms, *erp.P99Ms, *batch.P50Ms, *batch.P99Ms)
	}
	if !Near(erp.P50AllMs, 100) || !Near(erp.P99AllMs, 1000) || !Near(batch.P50AllMs, 10) || !Near(batch.P99AllMs, 300) {
		t.Errorf("percentiles (all) erp %v %v batch %v %v", *erp.P50AllMs, *erp.P99AllMs, *batch.P50AllMs, *batch.P99AllMs)
	}
	if *erp.Amplification != 1.667 || *batch.Amplification != 2 {
		t.Errorf("amplification erp %v batch %v", *erp.Amplification, *batch.Amplification)
	}
	if idle.P50Ms != nil || idle.P99Ms != nil || idle.P50AllMs != nil || idle.P99AllMs != nil || idle.Amplification != nil {
		t.Errorf("a class that sent nothing has percentiles or amplification: %+v", idle)
	}
	// The classes add up to the run-wide counts of the service's requests
	// and of the callers.
	var sum ClassReport
	for _, c := range r.Classes {
		sum.Callers, sum.Succeeded, sum.GaveUp = sum.Callers+c.Callers, sum.Succeeded+c.Succeeded, sum.GaveUp+c.GaveUp
		sum.Attempts, sum.FirstAttempts, sum.Timeouts = sum.Attempts+c.Attempts, sum.FirstAttempts+c.FirstAttempts, sum.Timeouts+c.Timeouts
	}
	if sum.Callers != r.Callers.Total || sum.Succeeded != r.Callers.Succeeded || sum.GaveUp != r.Callers.GaveUp ||
		sum.Attempts != r.Requests.Total || sum.FirstAttempts != r.Load.Offered || sum.Timeouts != r.Requests.Timeouts {
		t.Errorf("classes sum to %+v; callers %+v requests %+v load %+v", sum, r.Callers, r.Requests, r.Load)
	}
	if l := r.Load; l.Offered != 5 || l.Attempts != 9 || l.Goodput != 3 || l.Amplification == nil || *l.Amplification != 1.8 {
		t.Errorf("load %+v", l)
	}
	if r.Requests.Errors[ClassBadAnswer] != 1 {
		t.Errorf("bad answers counted %d", r.Requests.Errors[ClassBadAnswer])
	}
}

func TestClassTimeline(t *testing.T) {
	r := ClassedReport()
	var offered, goodput, opens, sent []int64
	for _, b := range r.Timeline {
		offered, goodput, opens, sent = append(offered, b.Offered), append(goodput, b.Goodput), append(opens, b.BreakerOpens), append(sent, b.Sent)
	}
	// Offered and sent by send time; goodput by answer time (c1's retry and
	// c4's third try were answered in second 2).
	got := fmt.Sprint(offered, sent, goodput, opens)
	if want := "[3 2 0] [3 4 2] [1 0 2] [0 1 2]"; got != want {
		t.Errorf("offered, sent, goodput, breaker opens per second %s, want %s", got, want)
	}
}

func TestBadAnswerKeptOnce(t *testing.T) {
	b := ClassedReport().BadAnswer
	if b == nil || b.Caller != 5 || b.Status != 201 || b.Reason != `no "job.id" in the answer` || len(b.Body) != maxBadAnswerBody ||
		!strings.HasPrefix(b.Body, `{"job":{"name":"x"}}`) {
		t.Fatalf("bad answer %+v", b)
	}
	a := NewAggregator(T0)
	a.AddBadAnswer(BadAnswer{Body: "ok\xff"})
	if got := a.Finish(T0).BadAnswer.Body; got != "ok\uFFFD" {
		t.Errorf("body %q", got)
	}
	if NewAggregator(T0).Finish(T0).BadAnswer != nil {
		t.Error("a bad answer without any")
	}
}

// TestDefaultClass: without SetClasses there is one class, "default",
// also when nothing was sent; an index beyond the names still counts.
func TestDefaultClass(t *testing.T) {
	empty := NewAggregator(T0).Finish(T0)
	if c := empty.Classes[DefaultClass]; len(empty.Classes) != 1 || c == nil || c.Amplification != nil || c.P50Ms != nil {
		t.Fatalf("classes %v", empty.Classes)
	}
	if empty.Load.Amplification != nil || empty.Load.Offered != 0 {
		t.Fatalf("load of nothing %+v", empty.Load)
	}
	a := NewAggregator(T0)
	a.SetClasses([]string{"a", "a", ""})
	a.AddAttempt(Attempt{Try: 1, Status: 200, CallerClass: 1})
	a.AddAttempt(Attempt{Try: 1, Status: 200, CallerClass: 4})
	r := a.Finish(T0)
	var names []string
	for name, c := range r.Classes {
		names = append(names, fmt.Sprintf("%s:%d", name, c.Attempts))
	}
	if got := strings.Join(slices.Sorted(slices.Values(names)), " "); got != "a:0 class1:1 class2:0 class3:0 class4:1" {
		t.Errorf("classes %s", got)
	}
}

// TestClassesConcurrent feeds the aggregator from many goroutines; run
// under -race it checks the class counts are guarded.
func TestClassesConcurrent(t *testing.T) {
	a := NewAggregator(T0)
	a.SetClasses([]string{"x", "y"})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				class := uint8((g + i) % 2)
				a.AddAttempt(Attempt{Caller: int32(g*100 + i), Try: 1, Sent: time.Duration(i) * 10 * time.Millisecond, Status: 200, CallerClass: class})
				a.AddCaller(CallerOutcome{Caller: int32(g*100 + i), Attempts: 1, Succeeded: true, CallerClass: class})
				a.AddBreakerOpen(time.Duration(i)*10*time.Millisecond, class)
				a.AddBadAnswer(BadAnswer{Caller: int32(g)})
			}
		})
	}
	wg.Wait()
	r := a.Finish(T0.Add(sec))
	if x, y := r.Classes["x"], r.Classes["y"]; x.Attempts != 400 || y.Attempts != 400 || x.Callers+y.Callers != 800 || r.Load.Goodput != 800 {
		t.Fatalf("x %+v y %+v", x, y)
	}
	if r.Timeline[0].BreakerOpens != 800 {
		t.Fatalf("breaker opens %d", r.Timeline[0].BreakerOpens)
	}
}

// TestSchemaChecksClasses: the schema describes every class, so a class
// without its counts is caught (the validator reads additionalProperties).
func TestSchemaChecksClasses(t *testing.T) {
	raw, err := os.ReadFile("schema/report.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"classes": map[string]any{"erp": map[string]any{"callers": 1.0}}, "load": map[string]any{}}
	errs := strings.Join(check(schema, doc, "$"), "\n")
	if !strings.Contains(errs, "$.classes.erp: missing amplification") || !strings.Contains(errs, "$.load: missing offered") {
		t.Errorf("schema errors:\n%s", errs)
	}
}
