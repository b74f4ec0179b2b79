package reports_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// tlsReport is a run whose every attempt failed its TLS handshake, with a
// long message over two lines, and one timeout; its gate failed.
func tlsReport() *reports.Report {
	a := reports.NewAggregator(reports.T0)
	a.SetPlanned(3)
	msg := "tls: failed to verify certificate: x509: certificate signed by unknown authority\n" +
		"(possibly because of \"crypto/rsa: verification error\" while trying to verify candidate authority certificate \"internal CA\")"
	for c := int32(0); c < 3; c++ {
		class := reports.ClassTLS
		if c == 2 {
			class = reports.ClassTimeout
		}
		a.AddAttempt(reports.Attempt{Caller: c, Try: 1, Latency: 2 * time.Millisecond, Class: class})
		a.AddCaller(reports.CallerOutcome{Caller: c, Attempts: 1, GaveUp: true})
	}
	a.AddErrorExample(reports.ClassTLS, reports.ErrorExample{AtS: 0.213, Caller: 0, Message: msg, Hint: "set sut.tls.ca to the CA that signed the service's certificate"})
	a.AddErrorExample(reports.ClassTLS, reports.ErrorExample{AtS: 0.5, Caller: 1, Message: "a later one"})
	a.AddErrorExample(reports.ClassTimeout, reports.ErrorExample{AtS: 1.5, Caller: 2, Message: "caller timeout: dial 127.0.0.1:8443: deadline exceeded"})
	r := a.Finish(reports.T0.Add(2 * time.Second))
	r.Scenario = reports.ScenarioInfo{Name: "internal-ca", File: "ca.yaml", Seed: 1}
	r.SUT = reports.SUTInfo{Kind: "url", Runtime: "none", Target: "https://127.0.0.1:8443"}
	r.Gates = []reports.GateResult{{Expr: "error_rate < 1%", Value: new(100.0)}}
	r.Verdict, r.Expect = reports.VerdictFail, reports.VerdictPass
	return r
}

// Every view shows the first error of each class, one line each, the
// message cut and its hint beside it; a failing gate's JUnit failure
// carries it.
func TestErrorExamplesInEveryView(t *testing.T) {
	r := tlsReport()
	lines := reports.ErrorExampleLines(r)
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "timeout at 1.50 s, caller 2: caller timeout") ||
		!strings.HasPrefix(lines[1], "tls at 0.21 s, caller 0: tls: failed to verify certificate: x509: certificate signed by unknown authority (possibly") ||
		!strings.Contains(lines[1], "… (1 of 2) — set sut.tls.ca to the CA") {
		t.Fatalf("lines %q", lines)
	}
	for _, l := range lines {
		if strings.Contains(l, "\n") || len(l) > 260 {
			t.Fatalf("not one short line: %q", l)
		}
	}
	tls := lines[1]
	for name, text := range map[string]string{
		"table":    testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteTable(b, r) }),
		"markdown": testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) }),
		"html":     testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHTML(b, r) }),
		"junit":    testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteJUnit(b, r) }),
	} {
		want := tls
		switch name {
		case "html":
			want = "tls at 0.21 s, caller 0: tls: failed to verify certificate: x509: certificate signed by unknown authority (possibly because of &#34;crypto/rsa"
		case "junit":
			want = "first error: tls at 0.21 s, caller 0: tls: failed to verify certificate: x509: certificate signed by unknown authority (possibly because of &#34;crypto/rsa"
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", name, want, text)
		}
	}
}
