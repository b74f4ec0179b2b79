package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Time  string      `xml:"time,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes JUnit XML: one testsuite per scenario, one testcase per
// gate, failed when the gate failed. A scenario that expects to fail (seed
// demonstrations) has its gates inverted: it passes when a gate fails.
func WriteJUnit(w io.Writer, rs ...*Report) error {
	var all junitSuites
	for _, r := range rs {
		s := junitSuite{Name: "rehearse." + r.Scenario.Name, Time: strconv.FormatFloat(r.DurationS, 'f', 3, 64)}
		for _, g := range r.Gates {
			c := junitCase{Name: g.Expr, Classname: "rehearse." + r.Scenario.Name}
			failed := !g.Pass
			if r.Expect == "fail" {
				c.Name += " (expected to fail)"
				failed = !MetExpectation(r) && g.Pass
			}
			if failed {
				c.Failure = &junitFailure{Message: fmt.Sprintf("%s: value %s", g.Expr, gateValue(g)),
					Text: fmt.Sprintf("gate %q failed with value %s in scenario %s", g.Expr, gateValue(g), r.Scenario.Name)}
				s.Fails++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		all.Tests += s.Tests
		all.Fails += s.Fails
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
