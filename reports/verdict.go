package reports

import "strings"

// Verdict is a rehearsal's outcome.
type Verdict string

// Verdicts. Invalid means the generator itself failed (Generator.Errors):
// the run says nothing about the service, whatever its gates say.
const (
	VerdictPass    Verdict = "pass"
	VerdictFail    Verdict = "fail"
	VerdictInvalid Verdict = "invalid"
)

// VerdictText is "PASS" or "FAIL", with "(expected)" when a scenario that
// demonstrates a failure failed as expected, or "(unexpected)" when it
// passed.
func VerdictText(r *Report) string {
	v := strings.ToUpper(string(r.Verdict))
	if r.Expect == "fail" {
		if r.Verdict == "fail" {
			return v + " (expected)"
		}
		return v + " (expected FAIL)"
	}
	if r.Interrupted {
		v += " (interrupted)"
	}
	return v
}

// MetExpectation reports whether r reached the verdict its scenario expected.
func MetExpectation(r *Report) bool {
	want := r.Expect
	if want == "" {
		want = "pass"
	}
	return r.Verdict == want
}
