package reports

import (
	"fmt"
	"strings"
)

// Verdict is a rehearsal's outcome.
type Verdict string

// Verdicts. Invalid means the generator itself failed (Generator.Errors):
// the run says nothing about the service, whatever its gates say.
const (
	VerdictPass    Verdict = "pass"
	VerdictFail    Verdict = "fail"
	VerdictInvalid Verdict = "invalid"
)

// expected is the verdict r's scenario expected: Expect, or VerdictPass when
// it is empty.
func expected(r *Report) Verdict {
	if r.Expect == "" {
		return VerdictPass
	}
	return r.Expect
}

// VerdictText is the verdict together with what was expected, as every
// heading shows it: "PASS", "FAIL", "FAIL, as expected" (a scenario that
// demonstrates a failure), "PASS, but FAIL was expected", or "INVALID" (the
// generator failed: the run says nothing about the service, whatever was
// expected). An interrupted run adds " (interrupted)".
func VerdictText(r *Report) string {
	v := strings.ToUpper(string(r.Verdict))
	switch want := expected(r); {
	case r.Verdict == VerdictInvalid || want == VerdictPass:
	case r.Verdict == want:
		v += ", as expected"
	default:
		v += ", but " + strings.ToUpper(string(want)) + " was expected"
	}
	if r.Verdict != VerdictInvalid && !signatureHolds(r) {
		v += ", without its signature"
	}
	if r.Interrupted {
		v += " (interrupted)"
	}
	return v
}

// signatureHolds reports whether every signature condition of r held.
func signatureHolds(r *Report) bool {
	for _, g := range r.Signature {
		if !g.Pass {
			return false
		}
	}
	return true
}

// MetExpectation reports whether r reached the verdict its scenario
// expected, and showed its signature (the reason it was expected to reach
// it). An invalid run never does.
func MetExpectation(r *Report) bool {
	return r.Verdict != VerdictInvalid && r.Verdict == expected(r) && signatureHolds(r)
}

// Headline is the one-line verdict of several reports, for the heading of
// a summary: VerdictText of a single report; otherwise "ALL AS EXPECTED (n
// of n)", or the counts of runs that were "INVALID (k of n)" and "NOT AS
// EXPECTED (k of n)". Zero reports give "NO RUNS".
func Headline(rs ...*Report) string {
	switch len(rs) {
	case 0:
		return "NO RUNS"
	case 1:
		return VerdictText(rs[0])
	}
	var invalid, unmet int
	for _, r := range rs {
		switch {
		case r.Verdict == VerdictInvalid:
			invalid++
		case !MetExpectation(r):
			unmet++
		}
	}
	var parts []string
	if invalid > 0 {
		parts = append(parts, fmt.Sprintf("INVALID (%d of %d)", invalid, len(rs)))
	}
	if unmet > 0 {
		parts = append(parts, fmt.Sprintf("NOT AS EXPECTED (%d of %d)", unmet, len(rs)))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("ALL AS EXPECTED (%d of %d)", len(rs), len(rs))
	}
	return strings.Join(parts, ", ")
}

// headlineClass is the CSS class of a verdict badge: pass when every run met
// its expectation, invalid when a run's generator failed, fail otherwise.
func headlineClass(rs ...*Report) string {
	class := "pass"
	for _, r := range rs {
		if r.Verdict == VerdictInvalid {
			return "invalid"
		}
		if !MetExpectation(r) {
			class = "fail"
		}
	}
	return class
}
