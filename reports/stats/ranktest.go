package stats

import (
	"math"
	"slices"
)

// exactLimit is the largest pooled sample (runs of both sides) for which
// rank tests count every arrangement; above it they use the normal
// approximation, which is accurate there.
const exactLimit = 60

// midranks returns the rank of each value of x followed by y in the pooled
// sample, ties sharing their mean rank, doubled so they are integers.
// +Inf (a percentile not reached) ranks above every finite value.
func midranks(x, y []float64) []int {
	n := len(x) + len(y)
	idx := make([]int, n)
	val := func(i int) float64 {
		if i < len(x) {
			return x[i]
		}
		return y[i-len(x)]
	}
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmpFloat(val(a), val(b)) })
	ranks := make([]int, n)
	for i := 0; i < n; {
		j := i
		for j < n && val(idx[j]) == val(idx[i]) {
			j++
		}
		for k := i; k < j; k++ {
			ranks[idx[k]] = i + j + 1 // 2 × the mean of ranks i+1..j
		}
		i = j
	}
	return ranks
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rankSumCounts returns, for every value s, how many ways n of the given
// (doubled) ranks sum to s: the null distribution of the rank sum of a
// sample of n drawn from the pooled ranks.
func rankSumCounts(ranks []int, n int) []float64 {
	total := 0
	for _, r := range ranks {
		total += r
	}
	// ways[j][s]: subsets of j ranks seen so far summing to s.
	ways := make([][]float64, n+1)
	for j := range ways {
		ways[j] = make([]float64, total+1)
	}
	ways[0][0] = 1
	for _, r := range ranks {
		for j := n; j >= 1; j-- {
			row, prev := ways[j], ways[j-1]
			for s := total; s >= r; s-- {
				row[s] += prev[s-r]
			}
		}
	}
	return ways[n]
}

// RankTest returns the two-sided p-value of the Mann-Whitney U test that x
// and y come from the same distribution. Up to exactLimit values in all it
// is exact: it counts every way the pooled (mid)ranks can be split, so ties
// and small samples (5 runs a side) are handled without approximation; above
// that it is MannWhitney's normal approximation. An empty side gives 1.
// Values may be +Inf (not reached): they rank above every finite value.
func RankTest(x, y []float64) float64 {
	if len(x) == 0 || len(y) == 0 {
		return 1
	}
	if len(x)+len(y) > exactLimit {
		_, p := MannWhitney(x, y)
		return p
	}
	ranks := midranks(x, y)
	obs := 0
	for _, r := range ranks[:len(x)] {
		obs += r
	}
	counts := rankSumCounts(ranks, len(x))
	// E[sum of doubled ranks] = n1 (N+1).
	mean := float64(len(x) * (len(x) + len(y) + 1))
	dev := math.Abs(float64(obs) - mean)
	var hit, all float64
	for s, c := range counts {
		all += c
		if math.Abs(float64(s)-mean) >= dev-1e-9 {
			hit += c
		}
	}
	return min(hit/all, 1)
}

// Holm adjusts p-values for testing several hypotheses at once (Holm's
// step-down method): the family-wise error rate stays at alpha when each
// adjusted p is compared with alpha. The result is in the input's order.
func Holm(p []float64) []float64 {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpFloat(p[a], p[b]) })
	adj := make([]float64, len(p))
	running := 0.0
	for rank, i := range order {
		v := min(float64(len(p)-rank)*p[i], 1)
		running = max(running, v)
		adj[i] = running
	}
	return adj
}
