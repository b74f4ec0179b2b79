// Package harnesstest holds what the tests of harness and of the packages
// split from it (distribute, analysis) share about a rehearsal: a
// scenario parsed from a test's YAML and a run folder's attempt log read
// back. It is internal/testenv's counterpart for what needs the
// project's own packages, which testenv, below them, must not import.
package harnesstest

import (
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Scenario parses a test's scenario YAML, failing the test on an error.
func Scenario(t testing.TB, src string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// AttemptLogText is the text of the run folder dir's attempt log, in
// either form (attempts.csv or attempts.csv.gz).
func AttemptLogText(dir string) (string, error) {
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(f.Name(), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return "", err
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

// AttemptLog reads every attempt of the run folder dir's log, strictly,
// failing the test on an error.
func AttemptLog(t testing.TB, dir string) []reports.Attempt {
	t.Helper()
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var as []reports.Attempt
	if err := reports.ReadAttemptLog(f, func(a reports.Attempt) error { as = append(as, a); return nil }); err != nil {
		t.Fatal(err)
	}
	return as
}

// Requests compiles sc's request templates for its callers, as a storm
// does before its clock starts, failing the test on an error.
func Requests(t testing.TB, sc *scenarios.Scenario) *scenarios.Requests {
	t.Helper()
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		t.Fatal(err)
	}
	req, err := scenarios.NewRequests(sc, pop, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
