package reports_test

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// attackReport is rehearse attack against a synchronous service: nothing
// was watched or sampled, so crash counts and resources are not measured
// and async counts do not apply.
func attackReport() *reports.Report {
	a := reports.NewAggregator(reports.T0)
	a.SetPlanned(3)
	for c := int32(0); c < 3; c++ {
		a.AddAttempt(reports.Attempt{Caller: c, Try: 1, Intended: time.Duration(c) * time.Second, Sent: time.Duration(c) * time.Second, Latency: 30 * time.Millisecond, Status: 200})
		a.AddCaller(reports.CallerOutcome{Caller: c, Attempts: 1, Succeeded: true, Completion: 30 * time.Millisecond})
	}
	r := a.Finish(reports.T0.Add(3 * time.Second))
	r.Scenario = reports.ScenarioInfo{Name: "attack", File: "api.yaml", Seed: 1}
	r.SUT = reports.SUTInfo{Kind: "url", Runtime: "none", Target: "http://127.0.0.1:8080"}
	r.Gates = []reports.GateResult{{Expr: "crashes == 0", Reason: "crashes was not measured"}}
	r.Verdict, r.Expect = reports.VerdictFail, reports.VerdictPass
	return r
}

// invalidReport ran out of file descriptors on the generator's side.
func invalidReport() *reports.Report {
	a := reports.NewAggregator(reports.T0)
	a.SetPlanned(2)
	a.AddAttempt(reports.Attempt{Caller: 0, Try: 1, Latency: time.Millisecond, Status: 200})
	a.AddCaller(reports.CallerOutcome{Caller: 0, Attempts: 1, Succeeded: true, Completion: time.Millisecond})
	for i := 0; i < 1020; i++ {
		a.AddAttempt(reports.Attempt{Caller: 1, Try: int32(i + 1), Class: reports.GenOutOfFiles})
	}
	a.AddCaller(reports.CallerOutcome{Caller: 1, Attempts: 1020, GaveUp: true})
	r := a.Finish(reports.T0.Add(time.Second))
	r.Scenario = reports.ScenarioInfo{Name: "crowd", File: "crowd.yaml", Seed: 7}
	r.SUT = reports.SUTInfo{Kind: "image", Image: "team/api:v2", Replicas: 2, Runtime: "docker", Network: "bridge", Target: "http://10.0.0.2:80"}
	r.Crashes = reports.Crashes{Count: new(int64(0)), OOMKills: new(int64(0)), Restarts: new(int64(0)), DowntimeS: new(0.0), Events: []reports.CrashEvent{}}
	return r
}

func TestVerdictTextShowsExpectation(t *testing.T) {
	for _, c := range []struct {
		verdict, expect reports.Verdict
		interrupted     bool
		want            string
		met             bool
	}{
		{reports.VerdictPass, "", false, "PASS", true},
		{reports.VerdictPass, reports.VerdictPass, false, "PASS", true},
		{reports.VerdictFail, reports.VerdictPass, false, "FAIL", false},
		{reports.VerdictFail, reports.VerdictFail, false, "FAIL, as expected", true},
		{reports.VerdictPass, reports.VerdictFail, false, "PASS, but FAIL was expected", false},
		{reports.VerdictInvalid, reports.VerdictPass, false, "INVALID", false},
		{reports.VerdictInvalid, reports.VerdictFail, false, "INVALID", false},
		{reports.VerdictNoGates, "", false, "NO GATES (nothing was checked)", true},
		{reports.VerdictNoGates, reports.VerdictFail, false, "NO GATES (nothing was checked), but FAIL was expected", false},
		{reports.VerdictFail, reports.VerdictFail, true, "FAIL, as expected (interrupted)", true},
	} {
		r := &reports.Report{Verdict: c.verdict, Expect: c.expect, Interrupted: c.interrupted}
		if got := reports.VerdictText(r); got != c.want {
			t.Errorf("VerdictText(%s, expect %q) = %q, want %q", c.verdict, c.expect, got, c.want)
		}
		if got := reports.MetExpectation(r); got != c.met {
			t.Errorf("MetExpectation(%s, expect %q) = %v", c.verdict, c.expect, got)
		}
	}
}

func TestHeadline(t *testing.T) {
	pass := &reports.Report{Verdict: reports.VerdictPass}
	failAsExpected := &reports.Report{Verdict: reports.VerdictFail, Expect: reports.VerdictFail}
	passUnexpected := &reports.Report{Verdict: reports.VerdictPass, Expect: reports.VerdictFail}
	invalid := &reports.Report{Verdict: reports.VerdictInvalid}
	unchecked := &reports.Report{Verdict: reports.VerdictNoGates}
	for _, c := range []struct {
		rs   []*reports.Report
		want string
	}{
		{nil, "NO RUNS"},
		{[]*reports.Report{failAsExpected}, "FAIL, as expected"},
		{[]*reports.Report{pass, failAsExpected}, "ALL AS EXPECTED (2 of 2)"},
		{[]*reports.Report{pass, passUnexpected}, "NOT AS EXPECTED (1 of 2)"},
		{[]*reports.Report{invalid, passUnexpected, pass}, "INVALID (1 of 3), NOT AS EXPECTED (1 of 3)"},
		{[]*reports.Report{pass, unchecked, failAsExpected}, "AS EXPECTED (2 of 3), NO GATES (1 of 3)"},
		{[]*reports.Report{unchecked, unchecked}, "NO GATES (2 of 2)"},
		{[]*reports.Report{passUnexpected, unchecked}, "NOT AS EXPECTED (1 of 2), NO GATES (1 of 2)"},
	} {
		if got := reports.Headline(c.rs...); got != c.want {
			t.Errorf("Headline = %q, want %q", got, c.want)
		}
	}
}

// TestExpectedFailHeadings: the report of a scenario that demonstrates a
// failure, and failed, says so in every heading; it is never headed PASS.
func TestExpectedFailHeadings(t *testing.T) {
	r := reportstest.Sample("seed-1-sync", 20*time.Millisecond)
	r.Verdict, r.Expect = reports.VerdictFail, reports.VerdictFail
	md := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) })
	if !strings.HasPrefix(md, "## rehearse: FAIL, as expected\n") {
		t.Errorf("markdown heading: %q", strings.SplitN(md, "\n", 2)[0])
	}
	html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) })
	if !strings.Contains(html, `<div class="verdict pass">FAIL, as expected</div>`) {
		t.Error("html verdict badge does not say FAIL, as expected")
	}
	sum := testenv.Written(t, func(b *bytes.Buffer) error {
		return views.WriteSummaryHTML(b, []*reports.Report{r, reportstest.Sample("b", time.Millisecond)})
	})
	if !strings.Contains(sum, `<div class="verdict fail">NOT AS EXPECTED (1 of 2)</div>`) {
		t.Error("summary html badge")
	}
	junit := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteJUnit(b, r) })
	if !strings.Contains(junit, `name="rehearse: FAIL, as expected"`) || !strings.Contains(junit, `value="FAIL, as expected"`) ||
		!strings.Contains(junit, `<testsuites name="rehearse: FAIL, as expected" tests="3" failures="0">`) {
		t.Errorf("junit does not carry the verdict and expectation:\n%s", junit)
	}
	table := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) })
	if !regexp.MustCompile(`\| verdict +\| FAIL, as expected`).MatchString(table) {
		t.Error("table verdict row")
	}
}

// TestUnmeasuredIsNeverZero: rehearse attack watched nothing; every view
// says "not measured" where report.json has null, and "n/a" where a value
// does not apply (async counts of a synchronous service).
func TestUnmeasuredIsNeverZero(t *testing.T) {
	r := attackReport()
	for _, text := range []string{
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) }),
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) }),
	} {
		for _, label := range []string{"crashes", "oom kills", "restarts", "downtime s"} {
			if got := testenv.RowValue(t, text, "crashes", label); got != reports.NotMeasured {
				t.Errorf("crashes/%s = %q, want %q", label, got, reports.NotMeasured)
			}
		}
		for _, label := range []string{"accepted", "completed", "pending", "lost", "duplicates", "drain s"} {
			if got := testenv.RowValue(t, text, "async", label); got != reports.NotApplicable {
				t.Errorf("async/%s = %q, want %q", label, got, reports.NotApplicable)
			}
		}
		if got := testenv.RowValue(t, text, "sut", "peak memory"); got != reports.NotMeasured {
			t.Errorf("peak memory = %q", got)
		}
		if got := testenv.RowValue(t, text, "sut", "limits"); got != reports.NotApplicable {
			t.Errorf("limits = %q", got)
		}
		if !strings.Contains(text, "crashes was not measured") {
			t.Error("gate reason missing")
		}
	}
	html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) })
	if !strings.Contains(html, "<td>crashes · crashes</td><td>not measured</td>") || !strings.Contains(html, "<td>crashes was not measured</td>") {
		t.Error("html does not say not measured")
	}
	if regexp.MustCompile(`<td>0x[0-9a-f]+</td>`).MatchString(html) {
		t.Error("html prints a pointer")
	}
}

func TestCompletionNotReachedInEveryView(t *testing.T) {
	r := reportstest.Sample("a", 20*time.Millisecond) // 94 of 100 callers completed
	for _, text := range []string{
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) }),
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) }),
	} {
		if got := testenv.RowValue(t, text, "completion", "p99 s"); got != "not reached (94% completed)" {
			t.Errorf("completion p99 = %q", got)
		}
		if got := testenv.RowValue(t, text, "completion", "completed"); got != "94%" {
			t.Errorf("completed = %q", got)
		}
	}
	html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) })
	if !strings.Contains(html, "not reached (94% completed)") {
		t.Error("html")
	}
}

func TestInvalidRunNamesCauseAndFix(t *testing.T) {
	r := invalidReport()
	if r.Verdict != reports.VerdictInvalid || r.Requests.Total != 1 || r.Requests.Errors[reports.ClassOther] != 0 || r.Generator.Errors[reports.GenOutOfFiles] != 1020 {
		t.Fatalf("verdict %s requests %+v generator %+v", r.Verdict, r.Requests, r.Generator)
	}
	if len(r.Notes) != 1 || !strings.HasPrefix(r.Notes[0], reports.GeneratorNotePrefix) || !strings.Contains(r.Notes[0], "ulimit -n") ||
		!strings.Contains(r.Notes[0], "fewer callers") || !strings.Contains(r.Notes[0], "more shards") {
		t.Fatalf("notes %q", r.Notes)
	}
	for _, text := range []string{
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) }),
		testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) }),
	} {
		if got := testenv.RowValue(t, text, "", "verdict"); got != "INVALID" {
			t.Errorf("verdict = %q", got)
		}
		if got := testenv.RowValue(t, text, "generator", "errors"); got != "out_of_files 1020" {
			t.Errorf("generator errors = %q", got)
		}
		if strings.Count(text, "ulimit -n") != 1 {
			t.Errorf("the fix is not named once:\n%s", text)
		}
	}
	html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) })
	if !strings.Contains(html, `<div class="verdict invalid">INVALID</div>`) || !strings.Contains(html, `class="notice"`) {
		t.Error("html does not show INVALID with its note")
	}
	junit := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteJUnit(b, r) })
	if !strings.Contains(junit, `<failure message="INVALID">`) || !strings.Contains(junit, "ulimit -n") {
		t.Errorf("junit:\n%s", junit)
	}
	// A report read from JSON without the note still shows it, once.
	r.Notes = nil
	md := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) })
	if strings.Count(md, "ulimit -n") != 1 {
		t.Errorf("derived note:\n%s", md)
	}
	r.Generator.Errors[reports.GenOutOfPorts] = 3
	if s := reports.GeneratorNote(r.Generator.Errors); !strings.Contains(s, "TIME_WAIT") || !strings.Contains(s, "fewer connections") {
		t.Errorf("out_of_ports advice: %s", s)
	}
}

func TestFormatBytes(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {268435456, "256 MiB"},
		{3 << 30, "3 GiB"}, {1610612736, "1.5 GiB"}, {-2048, "-2 KiB"}, {math.MaxInt64, "8 EiB"}, {math.MinInt64, "-8 EiB"},
	} {
		if got := reports.FormatBytes(c.in); got != c.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", c.in, got, c.want)
		}
	}
	html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, reportstest.Sample("a", time.Millisecond)) })
	if strings.Contains(html, "268435456") || !strings.Contains(html, "Limits per container: 1 CPU, 256 MiB, 512 pids.") {
		t.Error("html footer does not write 256 MiB")
	}
}

// TestGoldenTruth pins the views of the runs that used to be told wrong:
// an attack (nothing watched), an invalid run, a report rebuilt from a
// killed run's attempt log.
func TestGoldenTruth(t *testing.T) {
	rebuilt := reports.RebuiltReport(t)
	rs := []*reports.Report{attackReport(), invalidReport(), rebuilt}
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"truth.golden.txt", func(w *bytes.Buffer) error { return views.WriteTable(w, rs...) }},
		{"truth.golden.md", func(w *bytes.Buffer) error { return views.WriteMarkdown(w, rs...) }},
		{"truth.golden.xml", func(w *bytes.Buffer) error { return views.WriteJUnit(w, rs...) }},
	} {
		reports.Golden(t, c.name, []byte(testenv.Written(t, c.write)))
	}
}
