package livemetrics

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/rehearse-dev/rehearse/reports"
)

// values gathers g into "name{k=v,...}" -> value, labels sorted; a
// histogram gives name_count and name_sum.
func values(t testing.TB, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range fams {
		for _, m := range mf.GetMetric() {
			key := func(name string) string { return name + labelKey(m.GetLabel()) }
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key(mf.GetName())] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key(mf.GetName())] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key(mf.GetName()+"_count")] = float64(m.GetHistogram().GetSampleCount())
				out[key(mf.GetName()+"_sum")] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

func labelKey(pairs []*dto.LabelPair) string {
	var kv []string
	for _, p := range pairs {
		kv = append(kv, p.GetName()+"="+p.GetValue())
	}
	sort.Strings(kv)
	return "{" + strings.Join(kv, ",") + "}"
}

// sum adds every value of name whose labels contain each of match.
func sum(vals map[string]float64, name string, match ...string) float64 {
	var s float64
	for k, v := range vals {
		if !strings.HasPrefix(k, name+"{") {
			continue
		}
		ok := true
		for _, m := range match {
			ok = ok && (strings.Contains(k, "{"+m+",") || strings.Contains(k, ","+m+",") || strings.Contains(k, ","+m+"}") || strings.Contains(k, "{"+m+"}"))
		}
		if ok {
			s += v
		}
	}
	return s
}

// feed absorbs a small storm with every kind of input into agg.
func feed(agg *reports.Aggregator) {
	agg.SetPlanned(5)
	agg.SetClasses([]string{"erp", "batch"})
	ms := time.Millisecond
	for _, at := range []reports.Attempt{
		{Caller: 0, Try: 1, Intended: 0, Sent: 2 * ms, Latency: 30 * ms},
		{Caller: 1, Try: 1, Sent: 10 * ms, Latency: 3 * time.Second, Class: reports.ClassTimeout, CallerClass: 1},
		{Caller: 1, Try: 2, Intended: 20 * ms, Sent: 25 * ms, Latency: 5 * ms, Class: reports.ClassHTTP429, CallerClass: 1, Status: 429},
		{Caller: 1, Try: 3, Sent: 40 * ms, Latency: 5 * ms, Class: reports.ClassHTTP5xx, CallerClass: 1, Status: 503},
		{Caller: 2, Try: 1, Sent: 50 * ms, Class: reports.GenOutOfFiles},
		{Caller: 3, Try: 1, Sent: 60 * ms, Latency: 7 * ms, Class: reports.ClassBadAnswer, Status: 200},
		{Caller: 4, Try: 1, Sent: 70 * ms, Class: reports.ClassAborted, CallerClass: 1},
		{Caller: 3, Try: 2, Sent: 80 * ms, Latency: 9 * ms, Class: "teapot"}, // a class this package does not know
	} {
		agg.AddAttempt(at)
	}
	agg.CallerFinished(reports.EndSucceeded)
	agg.AddBreakerOpen(1500*ms, 1)
	agg.AddBreakerOpen(1600*ms, 1) // same second: counted, not marked again
	agg.AsyncProgress(3, 1)
	agg.AddSample(reports.Sample{At: time.Second, Container: "sut-0", MemBytes: 1 << 20, CPU: 0.5, QueueDepth: 4})
	agg.AddEvent(reports.Event{AtS: 1, Kind: reports.EventRestart, Container: "sut-0"})
	agg.AddEvent(reports.Event{AtS: 2, Kind: reports.EventUpgrade, Detail: "begin rolling"})
	agg.AddEvent(reports.Event{AtS: 3, Kind: reports.EventUpgrade, Detail: "end rolling"})
	agg.AddEvent(reports.Event{AtS: 3, Kind: reports.EventDie, Container: "sut-0", Detail: "exit, exit code 0"})
	agg.AddCaller(reports.CallerOutcome{Caller: 0, Succeeded: true, Completion: 40 * ms})
	agg.AddCaller(reports.CallerOutcome{Caller: 1, GaveUp: true, CallerClass: 1, BreakerOpens: 2})
	agg.AddCaller(reports.CallerOutcome{Caller: 3, GaveUp: true})
	agg.AddCaller(reports.CallerOutcome{Caller: 4, GaveUp: true, CallerClass: 1})
}

// The series count exactly what the report counts: attempts by outcome
// (their sum is requests.total), aborted, generator errors, retries,
// callers, the class split, and the events; and they pass promlint.
func TestSeriesEqualTheReport(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	agg := reports.NewAggregator(start)
	sc := e.Scenario(Labels{Scenario: "smoke", Run: "r1", Start: start})
	agg.SetObserver(sc)
	feed(agg)
	sc.Crashes(reports.Crashes{Count: ptr(int64(1)), OOMKills: ptr(int64(1)), Restarts: ptr(int64(1)), DowntimeS: ptr(2.5),
		Events: []reports.CrashEvent{{AtS: 4, Container: "sut-0", Kind: "oom"}}}, time.Second)
	rep := agg.Finish(start.Add(5 * time.Second))
	v := values(t, e.Gatherer())
	// Every series of this storm with every kind of input also follows
	// Prometheus's naming and help conventions (client_golang's promlint).
	problems, err := testutil.GatherAndLint(e.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}

	want := map[string]float64{OutcomeOK: float64(rep.Requests.OK), "timeout": float64(rep.Requests.Timeouts)}
	for c, n := range rep.Requests.Errors {
		if c != reports.ClassTimeout {
			want[string(c)] = float64(n)
		}
	}
	for outcome, n := range want {
		if got := sum(v, NameAttempts, "outcome="+outcome); got != n {
			t.Errorf("attempts outcome=%s: %v, report %v", outcome, got, n)
		}
	}
	checks := []struct {
		what      string
		got, want float64
	}{
		{"attempts total", sum(v, NameAttempts), float64(rep.Requests.Total)},
		{"attempts erp", sum(v, NameAttempts, "class=erp"), float64(rep.Classes["erp"].Attempts)},
		{"attempts batch", sum(v, NameAttempts, "class=batch"), float64(rep.Classes["batch"].Attempts)},
		{"no default class", sum(v, NameAttempts, "class=default"), 0},
		{"aborted", sum(v, NameAborted), float64(rep.Requests.Aborted)},
		{"generator", sum(v, NameGeneratorErrors, "error_class=out_of_files"), float64(rep.Generator.Errors[reports.GenOutOfFiles])},
		{"retries", sum(v, NameRetries), float64(rep.Callers.Retries)},
		{"latency count", sum(v, NameAttemptDuration+"_count"), float64(rep.Requests.Total)},
		{"breaker opens", sum(v, NameBreakerOpens, "class=batch"), float64(rep.Classes["batch"].BreakerOpens)},
		{"succeeded", sum(v, NameCallers, "state=succeeded"), float64(rep.Callers.Succeeded)},
		{"gave up", sum(v, NameCallers, "state=gave_up"), float64(rep.Callers.GaveUp)},
		{"finished", sum(v, NameCallers, "state=finished"), float64(rep.Callers.Total)},
		{"waiting", sum(v, NameCallers, "state=waiting"), 0},
		{"in flight", sum(v, NameCallers, "state=in_flight"), 1}, // caller 2, halted by the generator, has no outcome
		{"completion count", sum(v, NameCompletion+"_count"), float64(rep.Callers.Succeeded)},
		{"pending", sum(v, NameUploads, "state=pending"), 2},
		{"queue", sum(v, NameQueueDepth, "container=sut-0"), 4},
		{"crashes", sum(v, NameCrashes), 1},
		{"downtime", sum(v, NameDowntime), 2.5},
		{"events crash", sum(v, NameEvents, "kind=crash"), 1},
		{"events restart", sum(v, NameEvents, "kind=restart"), 1},
		{"events upgrade", sum(v, NameEvents, "kind=upgrade_start") + sum(v, NameEvents, "kind=upgrade_end"), 2},
		{"events breaker", sum(v, NameEvents, "kind=breaker_open"), 2},
		{"no die events", sum(v, NameEvents, "kind=die"), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	// One marker per event, the breaker's once for its second; the crash
	// at 4 s of the deployment's clock is 3 s into the storm.
	var markers int
	for k, val := range v {
		if strings.HasPrefix(k, NameEventTime+"{") {
			markers++
			if strings.Contains(k, "kind=crash") && val != 1_700_000_003 {
				t.Errorf("crash marker %s at %v, want 1700000003", k, val)
			}
		}
	}
	if markers != 5 {
		t.Errorf("%d event markers, want 5 (restart, upgrade begin and end, breaker, crash)", markers)
	}
}

// A ledger that was not measured leaves the crash series absent, and one
// read again adds only what is new.
func TestCrashesUnmeasuredAbsentAndIncremental(t *testing.T) {
	e, _ := New(Options{})
	sc := e.Scenario(Labels{Scenario: "s", Run: "r"})
	sc.Crashes(reports.Crashes{}, 0)
	if n, err := testutil.GatherAndCount(e.Gatherer(), NameCrashes, NameOOMKills, NameRestarts, NameDowntime); err != nil || n != 0 {
		t.Fatalf("%d crash series for an unmeasured ledger (%v)", n, err)
	}
	for _, n := range []int64{1, 1, 3} {
		sc.Crashes(reports.Crashes{Count: ptr(n), OOMKills: ptr(int64(0)), Restarts: ptr(int64(0)), DowntimeS: ptr(0.0)}, 0)
	}
	if got := testutil.ToFloat64(e.v.crashes.WithLabelValues("s", "r", "0/1")); got != 3 {
		t.Fatalf("crashes %v, want 3", got)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCheckAddr(t *testing.T) {
	for _, c := range []struct {
		addr   string
		remote bool
		want   error
	}{
		{"127.0.0.1:9464", false, nil},
		{"[::1]:9464", false, nil},
		{"localhost:0", false, nil},
		{"127.0.0.2:9464", false, nil},
		{":9464", false, ErrRemoteAddr},
		{"0.0.0.0:9464", false, ErrRemoteAddr},
		{"10.0.0.1:9464", false, ErrRemoteAddr},
		{"10.0.0.1:9464", true, nil},
		{"metrics.example:9464", false, ErrRemoteAddr},
		{"9464", false, ErrBadAddr},
		{"127.0.0.1:99999", false, ErrBadAddr},
		{"127.0.0.1:http", false, ErrBadAddr},
	} {
		if err := CheckAddr(c.addr, c.remote); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("CheckAddr(%q, %v) = %v, want %v", c.addr, c.remote, err, c.want)
		}
	}
}

// A busy address is refused when New is called, before any storm.
func TestBusyAddrRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = New(Options{Addr: ln.Addr().String()})
	if !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("New on a busy address: %v, want ErrAddrInUse", err)
	}
	if _, err := New(Options{RemoteWrite: "127.0.0.1:9090/api/v1/write"}); !errors.Is(err, ErrBadRemoteWrite) {
		t.Fatalf("remote write without scheme: %v", err)
	}
}

// The endpoint serves the exposition and lingers after Close is called,
// until the linger ends.
func TestServeAndLinger(t *testing.T) {
	e, err := New(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	e.Scenario(Labels{Scenario: "s", Run: "r"})
	body := get(t, "http://"+e.Addr()+MetricsPath)
	if !strings.Contains(body, NameCallers+`{run="r",scenario="s",shard="0/1",state="waiting"} 0`) {
		t.Fatalf("exposition lacks the callers series:\n%s", body)
	}
	closed := make(chan error, 1)
	go func() { closed <- e.Close(t.Context(), 300*time.Millisecond) }()
	time.Sleep(100 * time.Millisecond)
	get(t, "http://"+e.Addr()+MetricsPath) // still up while lingering
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", e.Addr()); err == nil {
		t.Fatal("endpoint still listening after the linger")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Succeeded and gave up are live: a caller that ends is counted as it
// ends, before the final outcomes come.
func TestCallerStatesAreLive(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := e.Scenario(Labels{Scenario: "live", Run: "run-1", Shard: "0/1"})
	s.Planned(3)
	s.CallerFinished(reports.EndSucceeded)
	s.CallerFinished(reports.EndGaveUp)
	s.CallerFinished(reports.EndSucceeded)
	value := func(g prometheus.Gauge) float64 {
		var m dto.Metric
		if err := g.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetGauge().GetValue()
	}
	if got := [2]float64{value(s.callerGauges[3]), value(s.callerGauges[4])}; got != [2]float64{2, 1} {
		t.Fatalf("live succeeded, gave up = %v, want [2 1]", got)
	}
}
