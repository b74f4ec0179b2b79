package stats

import "math"

// Thin keeps at most n values, evenly strided (deterministic).
func Thin(v []float64, n int) []float64 {
	if len(v) <= n {
		return v
	}
	out := make([]float64, 0, n)
	step := float64(len(v)) / float64(n)
	for i := 0; i < n; i++ {
		out = append(out, v[int(float64(i)*step)])
	}
	return out
}

// MannWhitney returns the U statistic of x and the two-sided p-value that
// x and y come from the same distribution, by the normal approximation with
// tie correction (accurate for samples above ~20 each). It ranks with
// midranks, as RankTest does: one ranking for both.
func MannWhitney(x, y []float64) (u, p float64) {
	n1, n2 := float64(len(x)), float64(len(y))
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	ranks := midranks(x, y) // doubled: a tie group shares one value
	var rx float64
	for _, r := range ranks[:len(x)] {
		rx += float64(r) / 2
	}
	group := map[int]float64{}
	for _, r := range ranks {
		group[r]++
	}
	var ties float64
	for _, t := range group {
		ties += t*t*t - t
	}
	u = rx - n1*(n1+1)/2
	n := n1 + n2
	mean := n1 * n2 / 2
	sd := math.Sqrt(n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1))))
	if sd == 0 {
		return u, 1
	}
	z := (math.Abs(u-mean) - 0.5) / sd
	p = math.Erfc(z / math.Sqrt2)
	return u, min(max(p, 0), 1)
}
