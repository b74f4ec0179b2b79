package scenarios

import (
	"errors"
	"strings"
	"testing"
)

func TestCompareBlockParses(t *testing.T) {
	sc, err := Parse("c.yaml", []byte(`name: c
sut: {url: http://127.0.0.1:1}
callers: {count: 10}
compare: {p99_ms: 10%, timeouts: 0, lost: 0, drain_s: "1.5"}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := sc.CompareTolerances()
	want := map[string]Tolerance{"p99_ms": {0.10, true}, "timeout_rate": {0, false}, "lost": {0, false}, "drain_s": {1.5, false}}
	if len(got) != len(want) {
		t.Fatalf("tolerances %v", got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g.Relative != v.Relative || g.Value-v.Value > 1e-12 || v.Value-g.Value > 1e-12 {
			t.Errorf("%s: %+v, want %+v", k, g, v)
		}
	}
	block, err := CompareBlock(sc.Source)
	if err != nil || len(block) != 4 || !block["p99_ms"].Relative {
		t.Fatalf("CompareBlock: %v %v", block, err)
	}
	if b, err := CompareBlock([]byte("name: x\n")); err != nil || b != nil {
		t.Fatalf("no block: %v %v", b, err)
	}
}

// TestCompareBlockMistakes: every mistake at once, at its line:column.
func TestCompareBlockMistakes(t *testing.T) {
	_, err := Parse("c.yaml", []byte(`name: c
sut: {url: http://127.0.0.1:1}
callers: {count: 10}
compare:
  p99: 10%
  timeouts: lots
`))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `c.yaml:6:13: compare.timeouts: want a number in the metric's unit or a percentage such as 10%, got "lots"`) {
		t.Fatalf("shape: %v", err)
	}
	_, err = Parse("c.yaml", []byte(`name: c
sut: {url: http://127.0.0.1:1}
callers: {count: 10}
compare:
  p99: 10%
  timeouts: 0
  timeout_rate: 0.01
  lost: -1
`))
	for _, want := range []string{
		`c.yaml:5:8: compare.p99: no compared metric "p99" (did you mean "p99_ms"?)`,
		`compare.timeouts: timeout_rate and timeouts both set the tolerance of timeout_rate`,
		`c.yaml:8:9: compare.lost: a tolerance must be >= 0, got -1`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func FuzzParseTolerance(f *testing.F) {
	for _, s := range []string{"10%", "0", "1.5", "-2%", "%", "1e3%", " 5 % "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseTolerance(s)
		if err == nil && v.Relative != strings.HasSuffix(strings.TrimSpace(s), "%") {
			t.Fatalf("%q: %+v", s, v)
		}
	})
}
