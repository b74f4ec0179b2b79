package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// fiveMistakes holds five mistakes a user makes: an unknown key that is a
// typo of a real one, a string where an integer is wanted, a list where a
// mapping is wanted, a bad duration, and an unknown key that is no typo.
const fiveMistakes = `name: five
seed: abc
sut:
  reference: {mode: sync}
  netwrok: host
api: [upload]
callers:
  count: 10
  timeout: fast
colour: blue
`

// TestShapeReportsEveryMistakeAtOnce: all five mistakes, each at its line
// and column, in the user's words, with a "did you mean" for the typo.
func TestShapeReportsEveryMistakeAtOnce(t *testing.T) {
	_, err := Parse("five.yaml", []byte(fiveMistakes))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`five.yaml:2:7: seed: want an integer, got "abc"`,
		`five.yaml:5:3: sut.netwrok: unknown key; did you mean "network"?`,
		`five.yaml:6:6: api: want a mapping (key: value), got a list`,
		`five.yaml:9:12: callers.timeout: want a duration such as 30s, 1m30s or 500ms, got "fast"`,
		`five.yaml:10:1: colour: unknown key; known keys here: name, description, seed, sut, api, callers, arrival, run, faults, gates, upgrade, data, expect, signature, compare, traffic, storm`,
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
	var fe *FieldError
	if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("errors.As FieldError %v, errors.Is ErrInvalid %v", fe != nil, errors.Is(err, ErrInvalid))
	}
	for _, internal := range []string{"unmarshal", "Go struct", "int64", "scenarios."} {
		if strings.Contains(err.Error(), internal) {
			t.Errorf("error speaks of Go internals (%q): %v", internal, err)
		}
	}
}

// TestShapeKinds covers each kind of value the walk checks, in nested
// mappings, lists and the types that read themselves.
func TestShapeKinds(t *testing.T) {
	const head = "name: t\nsut: {url: \"http://127.0.0.1:1\"}\n"
	cases := []struct{ src, want string }{
		{"callers: {count: 1.5}\n", `f.yaml:3:18: callers.count: want an integer, got 1.5`},
		{"callers: {count: 99999999999999999999}\n", `f.yaml:3:18: callers.count: want an integer between -9223372036854775808 and 9223372036854775807, got 99999999999999999999`},
		{"callers: {count: 1, records: {median: x, p99: 3, mx: 4}}\n", "f.yaml:3:39: callers.records.median: want an integer, got \"x\"\nf.yaml:3:50: callers.records.mx: unknown key; did you mean \"max\"?"},
		{"callers: {count: 1, records: many}\n", `f.yaml:3:30: callers.records: want a number of records or {median, p99, max}, got "many"`},
		{"callers: {count: 1, retry: {on: timeout}}\n", `f.yaml:3:33: callers.retry.on: want a list, got "timeout"`},
		// The fault's missing target is told too; its action, misspelt, is not also "missing".
		{"callers: {count: 1}\nfaults:\n  - {at: 1, actoin: kill}\n", "f.yaml:5:5: faults[0].target: must be sut, lb or replica-N, got \"\"\nf.yaml:5:10: faults[0].at: want a duration such as 30s, 1m30s or 500ms, got 1\nf.yaml:5:13: faults[0].actoin: unknown key; did you mean \"action\"?"},
		{"callers: {count: 1}\ngates:\n  - crashes: 0\n", `f.yaml:5:12: gates[0]: want a gate such as "p99_ms < 2000" or {gate: "error_rate[last 10s] < 0.05", abort: true}, got a mapping`},
		{"callers: {count: 1}\nsut2: 1\n", `f.yaml:4:1: sut2: unknown key; did you mean "sut"?`},
		{"callers: {count: 1}\narrival: {rate: fast}\n", `f.yaml:4:17: arrival.rate: want a number, got "fast"`},
		{"callers: {count: 1}\ndescription: {a: b}\n", `f.yaml:4:14: description: want a string, got a mapping`},
	}
	for _, c := range cases {
		_, err := Parse("f.yaml", []byte(head+c.src))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\ngot  %v\nwant %s", c.src, err, c.want)
		}
	}
	if _, err := Parse("f.yaml", []byte("- a\n- b\n")); err == nil || err.Error() != "f.yaml:1:1: want a mapping (key: value), got a list" {
		t.Errorf("top-level list: %v", err)
	}
}

// TestShapeAcceptsWhatTheDecoderReads: quoted numbers, empty values,
// anchors and merge keys are not mistakes.
func TestShapeAcceptsWhatTheDecoderReads(t *testing.T) {
	src := `name: t
seed: "42"
description:
sut: {url: "http://127.0.0.1:1", resources: {memory: 256MiB, cpus: 1}}
defaults: &retry {attempts: 3, backoff: constant}
`
	_, err := Parse("f.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), `defaults: unknown key`) {
		t.Fatalf("an unknown key that holds an anchor is still unknown: %v", err)
	}
	src = `name: t
seed: "42"
description:
sut: {url: "http://127.0.0.1:1", resources: {memory: 256MiB, cpus: 1}}
callers:
  count: 2
  retry: &r {attempts: 3, backoff: constant}
  records: {median: 1, p99: 2, max: 1e1}
`
	sc, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Seed != 42 || sc.Callers.Retry.Attempts != 3 || sc.Callers.Records.Max != 10 {
		t.Fatalf("seed %d retry %+v records %+v", sc.Seed, sc.Callers.Retry, sc.Callers.Records)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"count", "records", "record_bytes", "timeout", "retry"}
	for word, want := range map[string]string{"retyr": "retry", "cout": "count", "timeuot": "timeout", "record": "records", "x": "", "colour": "", "RETRY": "retry"} {
		if got := suggest(word, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

// TestShapeAndValueMistakesAtOnce: an unknown key, a value of the wrong
// kind and an invalid value are all told in one pass, in the order of the
// file; what the misplaced ones leave out is not told as missing.
func TestShapeAndValueMistakesAtOnce(t *testing.T) {
	src := "name: three\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n  count: -5\n  retyr: {attempts: 2}\narrival: {profile: burst, window: soon}\ngates: [\"nonsense_var == 0\"]\n"
	_, err := Parse("t.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`t.yaml:4:10: callers.count: must be 1..10000000, got -5`,
		`t.yaml:5:3: callers.retyr: unknown key; did you mean "retry"?`,
		`t.yaml:6:35: arrival.window: want a duration such as 30s, 1m30s or 500ms, got "soon"`,
		`t.yaml:7:9: gates[0]: gate "nonsense_var == 0": unknown variable "nonsense_var"`,
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\ngot  %s\nwant %s", i, got[i], want[i])
		}
	}
	for _, p := range []struct {
		path string
		want []string
	}{
		{"a.b[2].c", []string{"a", "b", "[2]", "c"}},
		{"gates[0]", []string{"gates", "[0]"}},
		{"x", []string{"x"}},
	} {
		if got := splitPath(p.path); strings.Join(got, "|") != strings.Join(p.want, "|") {
			t.Errorf("splitPath(%q) = %q", p.path, got)
		}
	}
}
