package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMannWhitney(t *testing.T) {
	// Known value: x = 1..10, y = 11..20 → U = 0, exact two-sided p = 1.08e-5;
	// the normal approximation with continuity correction gives ~1.8e-4.
	x, y := make([]float64, 10), make([]float64, 10)
	for i := range x {
		x[i], y[i] = float64(i+1), float64(i+11)
	}
	u, p := MannWhitney(x, y)
	if u != 0 || p > 3e-4 || p < 1e-5 {
		t.Fatalf("U %v p %v", u, p)
	}
	if _, p := MannWhitney(x, x); p < 0.9 {
		t.Fatalf("identical samples: p %v", p)
	}
}

// TestWelch against a hand computation: 1,2,3 vs 4,5,6 is a difference of
// 3, t = 3.674 on 4 degrees of freedom, p = 0.0213, 95% interval 3 ± 2.267.
func TestWelch(t *testing.T) {
	d, p, lo, hi := Welch([]float64{1, 2, 3}, []float64{4, 5, 6}, 0.95)
	if d != 3 || math.Abs(p-0.0213) > 5e-4 || math.Abs(lo-0.733) > 2e-3 || math.Abs(hi-5.267) > 2e-3 {
		t.Fatalf("d %v p %v [%v, %v]", d, p, lo, hi)
	}
	if _, p, _, _ := Welch([]float64{1, 1}, []float64{1, 1}, 0.95); p != 1 {
		t.Fatalf("no variation, same mean: p %v", p)
	}
}

// exponential is n seeded latencies in ms: 20 plus an exponential tail of
// mean 5, times scale.
func exponential(seed uint64, n int, scale float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, n)
	for i := range out {
		out[i] = scale * (20 + rng.ExpFloat64()*5)
	}
	return out
}
