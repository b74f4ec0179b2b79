package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// allErrors is a run without gates whose every request failed: the run
// that once printed PASS.
func allErrors() *Report {
	r := sample("no-gates", 20*time.Millisecond)
	r.Gates, r.Verdict, r.Expect = []GateResult{}, VerdictNoGates, ""
	r.Requests.OK = 0
	r.Requests.Errors = map[Class]int64{ClassHTTP5xx: r.Requests.Total - r.Requests.Timeouts}
	return r
}

// TestNoGatesIsNeverPass: a run without gates reads NO GATES in every view
// (table, Markdown, HTML, JUnit, JSON), never PASS; it meets an expectation
// of pass (exit 0); and every headline shows its error rate, 100% here.
func TestNoGatesIsNeverPass(t *testing.T) {
	r := allErrors()
	passed := sample("b", time.Millisecond)
	passed.Verdict, passed.Gates = VerdictPass, []GateResult{{Expr: "p99_ms < 2000", Pass: true, Value: ptr(1.0)}}
	if !MetExpectation(r) || headlineClass(r) != "nogates" {
		t.Fatalf("met %v, class %s", MetExpectation(r), headlineClass(r))
	}
	const verdict, rate = "NO GATES (nothing was checked)", "error rate 100% (120 of 120 requests)"
	if got := ErrorRateText(r); got != rate {
		t.Fatalf("ErrorRateText %q", got)
	}
	views := map[string]string{
		"table":    written(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }),
		"markdown": written(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }),
		"html":     written(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) }),
		"summary":  written(t, func(b *bytes.Buffer) error { return WriteSummaryHTML(b, []*Report{r, passed}) }),
		"junit":    written(t, func(b *bytes.Buffer) error { return WriteJUnit(b, r) }),
		"json":     written(t, func(b *bytes.Buffer) error { return WriteJSON(b, r) }),
	}
	for name, out := range views {
		if name != "summary" && strings.Contains(out, "PASS") { // the summary's other run passed
			t.Errorf("%s says PASS:\n%s", name, out)
		}
	}
	for name, want := range map[string][]string{
		"table":    {"| verdict                      | " + verdict, "| error rate                   | 100% (120 of 120)"},
		"markdown": {"## rehearse: " + verdict + "\n\n**" + rate + "**\n", "- **no-gates**: " + verdict + ", " + rate},
		"html":     {`<div class="verdict nogates">` + verdict + `</div><span class="erate alarm">` + rate + `</span>`},
		"summary":  {`<div class="verdict nogates">AS EXPECTED (1 of 2), NO GATES (1 of 2)</div><span class="erate alarm">error rate up to 100% (no-gates)</span>`},
		"junit":    {`<property name="verdict" value="no gates">`, `<skipped message="` + verdict + `: the scenario has no gates; ` + rate + `">`},
		"json":     {`"verdict": "no gates"`},
	} {
		for _, w := range want {
			if !strings.Contains(views[name], w) {
				t.Errorf("%s lacks %q:\n%s", name, w, views[name])
			}
		}
	}
	var suites struct {
		Skipped int `xml:"skipped,attr"`
		Fails   int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal([]byte(views["junit"]), &suites); err != nil || suites.Skipped != 1 || suites.Fails != 0 {
		t.Errorf("junit: %v, %+v", err, suites)
	}
}

// TestHeadlineErrors: the error rate beside a headline is the single
// run's, or the highest of several with its scenario.
func TestHeadlineErrors(t *testing.T) {
	ok := sample("ok", time.Millisecond)
	ok.Requests.OK = ok.Requests.Total
	none := sample("none", time.Millisecond)
	none.Requests = Requests{}
	for _, c := range []struct {
		rs   []*Report
		want string
	}{
		{nil, ""},
		{[]*Report{none}, "no requests sent"},
		{[]*Report{ok, ok}, "error rate 0% in every scenario"},
		{[]*Report{ok, allErrors(), none}, "error rate up to 100% (no-gates)"},
		{[]*Report{none, none}, "no requests sent"},
	} {
		if got := HeadlineErrors(c.rs...); got != c.want {
			t.Errorf("HeadlineErrors = %q, want %q", got, c.want)
		}
	}
}
