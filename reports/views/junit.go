package views

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Skipped int          `xml:"skipped,attr,omitempty"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Fails      int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr,omitempty"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

// junitSkipped marks a testcase that checked nothing (a scenario without
// gates), so CI shows it as skipped, never as passed.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes JUnit XML: one testsuite per scenario, whose properties
// carry the verdict and the expectation ("FAIL, as expected"), a "verdict"
// testcase that fails when the run did not end as expected (an invalid run
// never does: its failure names the cause and the fix) and is skipped when
// the scenario has no gates (nothing was checked), and one testcase per
// gate (a class's gate, "gave_up[erp] == 0", like any other), failed when
// the gate failed. The properties also carry the load, the latency of
// the successful attempts and of all answered ones, each labelled, and, when there is
// more than one caller class, a line per class, and the error rate; the
// system-out carries the
// notes and the bad answer example; a failure's text names the first
// error of each class. A scenario that expects to fail (seed
// demonstrations) has its gates inverted: it passes when a gate fails.
func WriteJUnit(w io.Writer, rs ...*reports.Report) error {
	all := junitSuites{Name: "rehearse: " + reports.Headline(rs...)}
	for _, r := range rs {
		s := junitSuiteOf(r)
		all.Tests += s.Tests
		all.Fails += s.Fails
		all.Skipped += s.Skipped
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitSuiteOf(r *reports.Report) junitSuite {
	class := "rehearse." + r.Scenario.Name
	s := junitSuite{Name: class, Time: strconv.FormatFloat(r.DurationS, 'f', 3, 64),
		Properties: []junitProperty{{"verdict", string(r.Verdict)}, {"expect", string(reports.ExpectedVerdict(r))}, {"result", reports.VerdictText(r)},
			{"error rate", errorRateCell(r)}, {"load", loadText(r)},
			{latencyOK, latencyLine(r, true)}, {latencyAll, latencyLine(r, false)}}}
	if showClasses(r) {
		for _, name := range classNames(r) {
			s.Properties = append(s.Properties, junitProperty{"class " + name, classSummary(r, name)})
		}
	}
	notes := reports.NotesOf(r)
	if b := r.BadAnswer; b != nil {
		notes = append(notes, "bad answer: "+badAnswerText(r)+"; first bytes: "+badAnswerHead(b))
	}
	verdict := junitCase{Name: "verdict (expect " + string(reports.ExpectedVerdict(r)) + ")", Classname: class}
	if !reports.MetExpectation(r) {
		lines := []string{reports.VerdictText(r)}
		for _, g := range r.Gates {
			if !g.Pass {
				lines = append(lines, fmt.Sprintf("gate %s failed (%s)", g.Expr, reports.GateText(g)))
			}
		}
		for _, g := range r.Signature {
			if !g.Pass {
				lines = append(lines, fmt.Sprintf("signature %s did not hold (%s)", g.Expr, reports.GateText(g)))
			}
		}
		lines = append(lines, reports.ErrorExampleLines(r)...)
		lines = append(lines, flowLines(r)...)
		lines = append(lines, arrivalLines(r)...)
		verdict.Failure = &junitFailure{Message: reports.VerdictText(r), Text: strings.Join(append(lines, notes...), "\n")}
		s.Fails++
	} else if r.Verdict == reports.VerdictNoGates {
		verdict.Skipped = &junitSkipped{Message: reports.VerdictText(r) + ": the scenario has no gates; " + reports.ErrorRateText(r)}
		s.Skipped++
	}
	s.Cases = append(s.Cases, verdict)
	for _, g := range r.Gates {
		c := junitCase{Name: g.Expr, Classname: class}
		failed := !g.Pass
		if reports.ExpectedVerdict(r) == reports.VerdictFail {
			c.Name += " (expected to fail)"
			failed = !reports.MetExpectation(r) && g.Pass
		}
		if failed {
			text := fmt.Sprintf("gate %q failed (%s) in scenario %s", g.Expr, reports.GateText(g), r.Scenario.Name)
			for _, e := range reports.ErrorExampleLines(r) {
				text += "\nfirst error: " + e
			}
			c.Failure = &junitFailure{Message: fmt.Sprintf("%s: %s", g.Expr, reports.GateText(g)), Text: text}
			s.Fails++
		}
		s.Cases = append(s.Cases, c)
	}
	for _, g := range r.Signature {
		c := junitCase{Name: "signature: " + g.Expr, Classname: class}
		if !g.Pass {
			c.Failure = &junitFailure{Message: fmt.Sprintf("signature %s: %s", g.Expr, reports.GateText(g)),
				Text: fmt.Sprintf("scenario %s did not show %q (%s): it did not end the way it claims", r.Scenario.Name, g.Expr, reports.GateText(g))}
			s.Fails++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	if len(notes) > 0 {
		s.SystemOut = strings.Join(notes, "\n")
	}
	return s
}
