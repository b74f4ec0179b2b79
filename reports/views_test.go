package reports

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

// attackReport is rehearse attack against a synchronous service: nothing
// was watched or sampled, so crash counts and resources are not measured
// and async counts do not apply.
func attackReport() *Report {
	a := NewAggregator(t0)
	a.SetPlanned(3)
	for c := int32(0); c < 3; c++ {
		a.AddAttempt(Attempt{Caller: c, Try: 1, Intended: time.Duration(c) * time.Second, Sent: time.Duration(c) * time.Second, Latency: 30 * time.Millisecond, Status: 200})
		a.AddCaller(CallerOutcome{Caller: c, Attempts: 1, Succeeded: true, Completion: 30 * time.Millisecond})
	}
	r := a.Finish(t0.Add(3 * time.Second))
	r.Scenario = ScenarioInfo{Name: "attack", File: "api.yaml", Seed: 1}
	r.SUT = SUTInfo{Kind: "url", Runtime: "none", Target: "http://127.0.0.1:8080"}
	r.Gates = []GateResult{{Expr: "crashes == 0", Reason: "crashes was not measured"}}
	r.Verdict, r.Expect = VerdictFail, VerdictPass
	return r
}

// invalidReport ran out of file descriptors on the generator's side.
func invalidReport() *Report {
	a := NewAggregator(t0)
	a.SetPlanned(2)
	a.AddAttempt(Attempt{Caller: 0, Try: 1, Latency: time.Millisecond, Status: 200})
	a.AddCaller(CallerOutcome{Caller: 0, Attempts: 1, Succeeded: true, Completion: time.Millisecond})
	for i := 0; i < 1020; i++ {
		a.AddAttempt(Attempt{Caller: 1, Try: int32(i + 1), Class: GenOutOfFiles})
	}
	a.AddCaller(CallerOutcome{Caller: 1, Attempts: 1020, GaveUp: true})
	r := a.Finish(t0.Add(time.Second))
	r.Scenario = ScenarioInfo{Name: "crowd", File: "crowd.yaml", Seed: 7}
	r.SUT = SUTInfo{Kind: "image", Image: "team/api:v2", Replicas: 2, Runtime: "docker", Network: "bridge", Target: "http://10.0.0.2:80"}
	r.Crashes = Crashes{Count: ptr[int64](0), OOMKills: ptr[int64](0), Restarts: ptr[int64](0), DowntimeS: ptr(0.0), Events: []CrashEvent{}}
	return r
}

func TestVerdictTextShowsExpectation(t *testing.T) {
	for _, c := range []struct {
		verdict, expect Verdict
		interrupted     bool
		want            string
		met             bool
	}{
		{VerdictPass, "", false, "PASS", true},
		{VerdictPass, VerdictPass, false, "PASS", true},
		{VerdictFail, VerdictPass, false, "FAIL", false},
		{VerdictFail, VerdictFail, false, "FAIL, as expected", true},
		{VerdictPass, VerdictFail, false, "PASS, but FAIL was expected", false},
		{VerdictInvalid, VerdictPass, false, "INVALID", false},
		{VerdictInvalid, VerdictFail, false, "INVALID", false},
		{VerdictNoGates, "", false, "NO GATES (nothing was checked)", true},
		{VerdictNoGates, VerdictFail, false, "NO GATES (nothing was checked), but FAIL was expected", false},
		{VerdictFail, VerdictFail, true, "FAIL, as expected (interrupted)", true},
	} {
		r := &Report{Verdict: c.verdict, Expect: c.expect, Interrupted: c.interrupted}
		if got := VerdictText(r); got != c.want {
			t.Errorf("VerdictText(%s, expect %q) = %q, want %q", c.verdict, c.expect, got, c.want)
		}
		if got := MetExpectation(r); got != c.met {
			t.Errorf("MetExpectation(%s, expect %q) = %v", c.verdict, c.expect, got)
		}
	}
}

func TestHeadline(t *testing.T) {
	pass := &Report{Verdict: VerdictPass}
	failAsExpected := &Report{Verdict: VerdictFail, Expect: VerdictFail}
	passUnexpected := &Report{Verdict: VerdictPass, Expect: VerdictFail}
	invalid := &Report{Verdict: VerdictInvalid}
	unchecked := &Report{Verdict: VerdictNoGates}
	for _, c := range []struct {
		rs   []*Report
		want string
	}{
		{nil, "NO RUNS"},
		{[]*Report{failAsExpected}, "FAIL, as expected"},
		{[]*Report{pass, failAsExpected}, "ALL AS EXPECTED (2 of 2)"},
		{[]*Report{pass, passUnexpected}, "NOT AS EXPECTED (1 of 2)"},
		{[]*Report{invalid, passUnexpected, pass}, "INVALID (1 of 3), NOT AS EXPECTED (1 of 3)"},
		{[]*Report{pass, unchecked, failAsExpected}, "AS EXPECTED (2 of 3), NO GATES (1 of 3)"},
		{[]*Report{unchecked, unchecked}, "NO GATES (2 of 2)"},
		{[]*Report{passUnexpected, unchecked}, "NOT AS EXPECTED (1 of 2), NO GATES (1 of 2)"},
	} {
		if got := Headline(c.rs...); got != c.want {
			t.Errorf("Headline = %q, want %q", got, c.want)
		}
	}
}

// TestExpectedFailHeadings: the report of a scenario that demonstrates a
// failure, and failed, says so in every heading; it is never headed PASS.
func TestExpectedFailHeadings(t *testing.T) {
	r := sample("seed-1-sync", 20*time.Millisecond)
	r.Verdict, r.Expect = VerdictFail, VerdictFail
	md := written(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) })
	if !strings.HasPrefix(md, "## rehearse: FAIL, as expected\n") {
		t.Errorf("markdown heading: %q", strings.SplitN(md, "\n", 2)[0])
	}
	html := written(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) })
	if !strings.Contains(html, `<div class="verdict pass">FAIL, as expected</div>`) {
		t.Error("html verdict badge does not say FAIL, as expected")
	}
	sum := written(t, func(b *bytes.Buffer) error { return WriteSummaryHTML(b, []*Report{r, sample("b", time.Millisecond)}) })
	if !strings.Contains(sum, `<div class="verdict fail">NOT AS EXPECTED (1 of 2)</div>`) {
		t.Error("summary html badge")
	}
	junit := written(t, func(b *bytes.Buffer) error { return WriteJUnit(b, r) })
	if !strings.Contains(junit, `name="rehearse: FAIL, as expected"`) || !strings.Contains(junit, `value="FAIL, as expected"`) ||
		!strings.Contains(junit, `<testsuites name="rehearse: FAIL, as expected" tests="3" failures="0">`) {
		t.Errorf("junit does not carry the verdict and expectation:\n%s", junit)
	}
	table := written(t, func(b *bytes.Buffer) error { return WriteTable(b, r) })
	if !regexp.MustCompile(`\| verdict +\| FAIL, as expected`).MatchString(table) {
		t.Error("table verdict row")
	}
}

func written(t *testing.T, write func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// rowValue finds a summary row's value in a table or Markdown rendering.
func rowValue(t *testing.T, text, section, label string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(section) + ` *\| ` + regexp.QuoteMeta(label) + ` *\| ([^|]*?) *\|`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no row %s/%s in\n%s", section, label, text)
	}
	return m[1]
}

// TestUnmeasuredIsNeverZero: rehearse attack watched nothing; every view
// says "not measured" where report.json has null, and "n/a" where a value
// does not apply (async counts of a synchronous service).
func TestUnmeasuredIsNeverZero(t *testing.T) {
	r := attackReport()
	for _, text := range []string{
		written(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }),
		written(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }),
	} {
		for _, label := range []string{"crashes", "oom kills", "restarts", "downtime s"} {
			if got := rowValue(t, text, "crashes", label); got != NotMeasured {
				t.Errorf("crashes/%s = %q, want %q", label, got, NotMeasured)
			}
		}
		for _, label := range []string{"accepted", "completed", "pending", "lost", "duplicates", "drain s"} {
			if got := rowValue(t, text, "async", label); got != NotApplicable {
				t.Errorf("async/%s = %q, want %q", label, got, NotApplicable)
			}
		}
		if got := rowValue(t, text, "sut", "peak memory"); got != NotMeasured {
			t.Errorf("peak memory = %q", got)
		}
		if got := rowValue(t, text, "sut", "limits"); got != NotApplicable {
			t.Errorf("limits = %q", got)
		}
		if !strings.Contains(text, "crashes was not measured") {
			t.Error("gate reason missing")
		}
	}
	html := written(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) })
	if !strings.Contains(html, "<td>crashes · crashes</td><td>not measured</td>") || !strings.Contains(html, "<td>crashes was not measured</td>") {
		t.Error("html does not say not measured")
	}
	if regexp.MustCompile(`<td>0x[0-9a-f]+</td>`).MatchString(html) {
		t.Error("html prints a pointer")
	}
}

func TestCompletionNotReachedInEveryView(t *testing.T) {
	r := sample("a", 20*time.Millisecond) // 94 of 100 callers completed
	for _, text := range []string{
		written(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }),
		written(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }),
	} {
		if got := rowValue(t, text, "completion", "p99 s"); got != "not reached (94% completed)" {
			t.Errorf("completion p99 = %q", got)
		}
		if got := rowValue(t, text, "completion", "completed"); got != "94%" {
			t.Errorf("completed = %q", got)
		}
	}
	html := written(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) })
	if !strings.Contains(html, "not reached (94% completed)") {
		t.Error("html")
	}
}

func TestInvalidRunNamesCauseAndFix(t *testing.T) {
	r := invalidReport()
	if r.Verdict != VerdictInvalid || r.Requests.Total != 1 || r.Requests.Errors[ClassOther] != 0 || r.Generator.Errors[GenOutOfFiles] != 1020 {
		t.Fatalf("verdict %s requests %+v generator %+v", r.Verdict, r.Requests, r.Generator)
	}
	if len(r.Notes) != 1 || !strings.HasPrefix(r.Notes[0], GeneratorNotePrefix) || !strings.Contains(r.Notes[0], "ulimit -n") ||
		!strings.Contains(r.Notes[0], "fewer callers") || !strings.Contains(r.Notes[0], "more shards") {
		t.Fatalf("notes %q", r.Notes)
	}
	for _, text := range []string{
		written(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }),
		written(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }),
	} {
		if got := rowValue(t, text, "", "verdict"); got != "INVALID" {
			t.Errorf("verdict = %q", got)
		}
		if got := rowValue(t, text, "generator", "errors"); got != "out_of_files 1020" {
			t.Errorf("generator errors = %q", got)
		}
		if strings.Count(text, "ulimit -n") != 1 {
			t.Errorf("the fix is not named once:\n%s", text)
		}
	}
	html := written(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) })
	if !strings.Contains(html, `<div class="verdict invalid">INVALID</div>`) || !strings.Contains(html, `class="notice"`) {
		t.Error("html does not show INVALID with its note")
	}
	junit := written(t, func(b *bytes.Buffer) error { return WriteJUnit(b, r) })
	if !strings.Contains(junit, `<failure message="INVALID">`) || !strings.Contains(junit, "ulimit -n") {
		t.Errorf("junit:\n%s", junit)
	}
	// A report read from JSON without the note still shows it, once.
	r.Notes = nil
	md := written(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) })
	if strings.Count(md, "ulimit -n") != 1 {
		t.Errorf("derived note:\n%s", md)
	}
	r.Generator.Errors[GenOutOfPorts] = 3
	if s := GeneratorNote(r.Generator.Errors); !strings.Contains(s, "TIME_WAIT") || !strings.Contains(s, "fewer connections") {
		t.Errorf("out_of_ports advice: %s", s)
	}
}

func TestSUTRowNamesTheImage(t *testing.T) {
	for _, c := range []struct {
		sut  SUTInfo
		want string
	}{
		{SUTInfo{Kind: "reference", Mode: "async", Image: "rehearse/uploadsvc:abc", Replicas: 3}, "reference async (rehearse/uploadsvc:abc) x3"},
		{SUTInfo{Kind: "image", Image: "team/api:v2", Replicas: 1}, "image team/api:v2"},
		{SUTInfo{Kind: "image", Image: "team/api:v2", Replicas: 2}, "image team/api:v2 x2"},
		{SUTInfo{Kind: "url", Target: "http://10.1.2.3:80"}, "url http://10.1.2.3:80"},
	} {
		if got := sutText(&Report{SUT: c.sut}); got != c.want {
			t.Errorf("sut = %q, want %q", got, c.want)
		}
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
		if got := FormatBytes(c.in); got != c.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", c.in, got, c.want)
		}
	}
	html := written(t, func(b *bytes.Buffer) error { return WriteHTML(b, sample("a", time.Millisecond)) })
	if strings.Contains(html, "268435456") || !strings.Contains(html, "Limits per container: 1 CPU, 256 MiB, 512 pids.") {
		t.Error("html footer does not write 256 MiB")
	}
}

// TestGoldenTruth pins the views of the runs that used to be told wrong:
// an attack (nothing watched), an invalid run, a report rebuilt from a
// killed run's attempt log.
func TestGoldenTruth(t *testing.T) {
	rebuilt := rebuiltReport(t)
	rs := []*Report{attackReport(), invalidReport(), rebuilt}
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"truth.golden.txt", func(w *bytes.Buffer) error { return WriteTable(w, rs...) }},
		{"truth.golden.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, rs...) }},
		{"truth.golden.xml", func(w *bytes.Buffer) error { return WriteJUnit(w, rs...) }},
	} {
		golden(t, c.name, []byte(written(t, c.write)))
	}
}
