package wire

import (
	"testing"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// scenario parses a scenario against url with extra's keys.
func scenario(t testing.TB, url, extra string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("t.yaml", []byte("name: t\nsut: {url: \""+url+"\"}\n"+extra))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
