package reports

import (
	"fmt"
	"strings"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// Verdict is a rehearsal's outcome.
type Verdict string

// Verdicts. Invalid means the generator itself failed (Generator.Errors):
// the run says nothing about the service, whatever its gates say. Partial
// means shards of a merged run never reported (partial.go): never a pass,
// whatever its gates say of what arrived. NoGates
// means the scenario has no gates, so nothing was checked: the run is never
// called a pass, though it meets an expectation of pass (its exit code is
// 0, as a run that checks nothing fails nothing).
const (
	VerdictPass    Verdict = vocab.ExpectPass
	VerdictFail    Verdict = vocab.ExpectFail
	VerdictInvalid Verdict = "invalid"
	VerdictNoGates Verdict = "no gates"
	VerdictPartial Verdict = "partial"
)

// ExpectedVerdict is the verdict r's scenario expected: Expect, or VerdictPass when
// it is empty.
func ExpectedVerdict(r *Report) Verdict {
	if r.Expect == "" {
		return VerdictPass
	}
	return r.Expect
}

// met reports whether verdict v is what want asked for: the same, or no
// gates where a pass was expected (nothing was checked, so nothing failed).
func met(v, want Verdict) bool {
	return v == want || v == VerdictNoGates && want == VerdictPass
}

// VerdictText is the verdict together with what was expected, as every
// heading shows it: "PASS", "FAIL", "FAIL, as expected" (a scenario that
// demonstrates a failure), "PASS, but FAIL was expected", "NO GATES
// (nothing was checked)" (a scenario without gates), "INVALID" (the
// generator failed: the run says nothing about the service, whatever was
// expected), or "PARTIAL: shard 2 of 3 never reported (33% of the
// callers)" (a merge without every shard; ", and a gate failed on what
// arrived" when one did). An interrupted run adds " (interrupted)".
func VerdictText(r *Report) string {
	v := strings.ToUpper(string(r.Verdict))
	switch r.Verdict {
	case VerdictNoGates:
		v += " (nothing was checked)"
	case VerdictPartial:
		if p := PartialText(r); p != "" {
			v += ": " + p
		}
		if gateFailed(r) {
			v += ", and a gate failed on what arrived"
		}
	}
	switch want := ExpectedVerdict(r); {
	case r.Verdict == VerdictInvalid || r.Verdict == VerdictPartial || want == VerdictPass:
	case r.Verdict == want:
		v += ", as expected"
	default:
		v += ", but " + strings.ToUpper(string(want)) + " was expected"
	}
	if r.Verdict != VerdictInvalid && r.Verdict != VerdictPartial && !signatureHolds(r) {
		v += ", without its signature"
	}
	if a := r.AbortedBy; a != nil {
		v += fmt.Sprintf(" (aborted by gate %s at %s s)", a.Gate, TrimFloat(a.AtS))
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
// expected (no gates meets an expectation of pass), and showed its
// signature (the reason it was expected to reach it). An invalid or a
// partial run never does.
func MetExpectation(r *Report) bool {
	return r.Verdict != VerdictInvalid && r.Verdict != VerdictPartial && met(r.Verdict, ExpectedVerdict(r)) && signatureHolds(r)
}

// Headline is the one-line verdict of several reports, for the heading of
// a summary: VerdictText of a single report; otherwise "ALL AS EXPECTED (n
// of n)", or the counts of runs that were "INVALID (k of n)", "NOT AS
// EXPECTED (k of n)" and "NO GATES (k of n)" (nothing was checked), the
// last after "AS EXPECTED (m of n)" when every other run met its
// expectation. Zero reports give "NO RUNS".
func Headline(rs ...*Report) string {
	switch len(rs) {
	case 0:
		return "NO RUNS"
	case 1:
		return VerdictText(rs[0])
	}
	var invalid, partial, unmet, unchecked int
	for _, r := range rs {
		switch {
		case r.Verdict == VerdictInvalid:
			invalid++
		case r.Verdict == VerdictPartial:
			partial++
		case !MetExpectation(r):
			unmet++
		case r.Verdict == VerdictNoGates:
			unchecked++
		}
	}
	of := func(what string, k int) string { return fmt.Sprintf("%s (%d of %d)", what, k, len(rs)) }
	var parts []string
	if invalid > 0 {
		parts = append(parts, of("INVALID", invalid))
	}
	if partial > 0 {
		parts = append(parts, of("PARTIAL", partial))
	}
	if unmet > 0 {
		parts = append(parts, of("NOT AS EXPECTED", unmet))
	}
	switch checked := len(rs) - unchecked; {
	case len(parts) == 0 && unchecked == 0:
		return of("ALL AS EXPECTED", len(rs))
	case len(parts) == 0 && checked > 0:
		parts = append(parts, of("AS EXPECTED", checked))
	}
	if unchecked > 0 {
		parts = append(parts, of("NO GATES", unchecked))
	}
	return strings.Join(parts, ", ")
}

// HeadlineClass is the CSS class of a verdict badge: invalid when a run's
// generator failed, partial when a merge lacks shards, fail when a run did
// not meet its expectation, nogates when every run met it but some checked
// nothing, pass otherwise.
func HeadlineClass(rs ...*Report) string {
	class := "pass"
	for _, r := range rs {
		switch {
		case r.Verdict == VerdictInvalid:
			return "invalid"
		case r.Verdict == VerdictPartial:
			class = "partial"
		case class == "partial":
		case !MetExpectation(r):
			class = "fail"
		case r.Verdict == VerdictNoGates && class == "pass":
			class = "nogates"
		}
	}
	return class
}
