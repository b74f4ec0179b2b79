package main

import (
	"strings"
	"testing"
)

// threeMistakes holds an invalid value, an unknown key and a value of the
// wrong kind.
const threeMistakes = `name: three
sut: {url: "http://127.0.0.1:1"}
callers:
  count: -5
  retyr: {attempts: 2}
arrival: {profile: burst, window: soon}
`

// TestEveryMistakeAtOnce: validate, run and attack each tell all three
// mistakes of a scenario in one go, each at its file:line:column, and exit
// 2 before anything starts.
func TestEveryMistakeAtOnce(t *testing.T) {
	p := writeScenario(t, threeMistakes)
	want := []string{
		p + `:4:10: callers.count: must be 1..10000000, got -5`,
		p + `:5:3: callers.retyr: unknown key; did you mean "retry"?`,
		p + `:6:35: arrival.window: want a duration such as 30s, 1m30s or 500ms, got "soon"`,
	}
	for _, args := range [][]string{
		{"validate", p},
		{"run", "--out", t.TempDir(), p},
		{"attack", "--target", "http://127.0.0.1:1", "--out", t.TempDir(), p},
	} {
		code, _, stderr := cli(t, args...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d; stderr %s", args[0], code, exitUsage, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s does not tell %q:\n%s", args[0], w, stderr)
			}
		}
	}
}
