package stats

import (
	"fmt"
	"math"
	"testing"
)

// TestRankTestExact: 5 runs a side, fully separated, is the smallest
// two-sided p there is (2/252); identical samples give 1; ties are handled.
func TestRankTestExact(t *testing.T) {
	x := []float64{10, 11, 12, 13, 14}
	y := []float64{20, 21, 22, 23, 24}
	if p := RankTest(x, y); math.Abs(p-2.0/252) > 1e-12 {
		t.Fatalf("separated: p %v, want %v", p, 2.0/252)
	}
	if p := RankTest(x, x); p != 1 {
		t.Fatalf("identical: p %v", p)
	}
	zeros := []float64{0, 0, 0, 0, 0}
	if p := RankTest(zeros, zeros); p != 1 {
		t.Fatalf("all ties: p %v", p)
	}
	// One lost upload in one run of five against none: not significant.
	if p := RankTest(zeros, []float64{0, 0, 1, 0, 0}); p < 0.5 {
		t.Fatalf("one run of five: p %v", p)
	}
	// Not reached ranks above everything.
	if p := RankTest(x, []float64{math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)}); p > 0.01 {
		t.Fatalf("not reached: p %v", p)
	}
	// The exact and the normal p agree on a larger sample.
	big1, big2 := exponential(1, 40, 1), exponential(2, 40, 1.2)
	_, normal := MannWhitney(big1[:25], big2[:25])
	if exact := RankTest(big1[:25], big2[:25]); math.Abs(exact-normal) > 0.02 {
		t.Fatalf("exact %v vs normal %v", exact, normal)
	}
}

func TestHolm(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, 0.03, 0.5})
	want := []float64{0.04, 0.09, 0.09, 0.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("Holm = %v, want %v", got, want)
		}
	}
}

// TestHodgesLehmann: the shift of a sample moved by 5 is 5; with 5 runs a
// side the 95% interval is the 3rd to the 23rd of 25 differences (96.8%).
func TestHodgesLehmann(t *testing.T) {
	x := []float64{10, 12, 11, 13, 14}
	y := []float64{15, 17, 16, 18, 19}
	s := HodgesLehmann(x, y, 0.95)
	if s.Estimate != 5 || s.Low == nil || *s.Low != 2 || *s.High != 8 || math.Abs(s.Level-(1-8.0/252)) > 1e-12 {
		t.Fatalf("shift %+v interval %s", s, bounds(s))
	}
	// Three runs a side cannot give 95%: no interval.
	if s := HodgesLehmann(x[:3], y[:3], 0.95); s.Low != nil {
		t.Fatalf("3 runs: interval %v..%v", *s.Low, *s.High)
	}
	// Large samples use the normal approximation and still cover the shift.
	a, b := exponential(3, 200, 1), exponential(4, 200, 1)
	for i := range b {
		b[i] += 4
	}
	s = HodgesLehmann(a, b, 0.95)
	if s.Low == nil || *s.Low > 4 || *s.High < 4 || s.Estimate < 3 || s.Estimate > 5 {
		t.Fatalf("large: %+v interval %s", s, bounds(s))
	}
}

// bounds writes s's interval, "none" when the samples were too small.
func bounds(s Shift) string {
	if s.Low == nil || s.High == nil {
		return "none"
	}
	return fmt.Sprintf("[%g, %g]", *s.Low, *s.High)
}
