package reports_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// allErrors is a run without gates whose every request failed: the run
// that once printed PASS.
func allErrors() *reports.Report {
	r := reportstest.Sample("no-gates", 20*time.Millisecond)
	r.Gates, r.Verdict, r.Expect = []reports.GateResult{}, reports.VerdictNoGates, ""
	r.Requests.OK = 0
	r.Requests.Errors = map[reports.Class]int64{reports.ClassHTTP5xx: r.Requests.Total - r.Requests.Timeouts}
	return r
}

// TestNoGatesIsNeverPass: a run without gates reads NO GATES in every view
// (table, Markdown, HTML, JUnit, JSON), never PASS; it meets an expectation
// of pass (exit 0); and every headline shows its error rate, 100% here.
func TestNoGatesIsNeverPass(t *testing.T) {
	r := allErrors()
	passed := reportstest.Sample("b", time.Millisecond)
	passed.Verdict, passed.Gates = reports.VerdictPass, []reports.GateResult{{Expr: "p99_ms < 2000", Pass: true, Value: new(1.0)}}
	if !reports.MetExpectation(r) || reports.HeadlineClass(r) != "nogates" {
		t.Fatalf("met %v, class %s", reports.MetExpectation(r), reports.HeadlineClass(r))
	}
	const verdict, rate = "NO GATES (nothing was checked)", "error rate 100% (120 of 120 requests)"
	if got := reports.ErrorRateText(r); got != rate {
		t.Fatalf("ErrorRateText %q", got)
	}
	views := map[string]string{
		"table":    testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) }),
		"markdown": testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) }),
		"html":     testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) }),
		"summary":  testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteSummaryHTML(b, []*reports.Report{r, passed}) }),
		"junit":    testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteJUnit(b, r) }),
		"json":     testenv.Written(t, func(b *bytes.Buffer) error { return reports.WriteJSON(b, r) }),
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
	ok := reportstest.Sample("ok", time.Millisecond)
	ok.Requests.OK = ok.Requests.Total
	none := reportstest.Sample("none", time.Millisecond)
	none.Requests = reports.Requests{}
	for _, c := range []struct {
		rs   []*reports.Report
		want string
	}{
		{nil, ""},
		{[]*reports.Report{none}, "no requests sent"},
		{[]*reports.Report{ok, ok}, "error rate 0% in every scenario"},
		{[]*reports.Report{ok, allErrors(), none}, "error rate up to 100% (no-gates)"},
		{[]*reports.Report{none, none}, "no requests sent"},
	} {
		if got := reports.HeadlineErrors(c.rs...); got != c.want {
			t.Errorf("HeadlineErrors = %q, want %q", got, c.want)
		}
	}
}
