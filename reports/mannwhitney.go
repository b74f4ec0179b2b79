package reports

import (
	"math"
	"slices"
)

// thin keeps at most n values, evenly strided (deterministic).
func thin(v []float64, n int) []float64 {
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
// tie correction (accurate for samples above ~20 each).
func MannWhitney(x, y []float64) (u, p float64) {
	n1, n2 := float64(len(x)), float64(len(y))
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	type obs struct {
		v     float64
		fromX bool
	}
	all := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	var rx, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2 // mean of ranks i+1..j
		t := float64(j - i)
		ties += t*t*t - t
		for k := i; k < j; k++ {
			if all[k].fromX {
				rx += rank
			}
		}
		i = j
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
