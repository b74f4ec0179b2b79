package stats

import (
	"math"
	"slices"
)

// Shift is the Hodges-Lehmann estimate of how far y sits from x (y - x),
// with a confidence interval. Low and High are nil when the samples are too
// small for the asked confidence (fewer than 4 runs a side at 95%); Level is
// the interval's actual confidence (with few runs it is a little above the
// asked one, since ranks move in steps).
type Shift struct {
	Estimate float64
	Low      *float64
	High     *float64
	Level    float64
}

// HodgesLehmann returns the median of all pairwise differences y[j] - x[i]
// and the distribution-free confidence interval at conf (0.95) built from
// the same differences and the Mann-Whitney null distribution: exact up to
// exactLimit values in all, by the normal approximation above. Differences
// involving +Inf (not reached) are ±Inf, and two +Inf are a tie (0). Both
// samples must be non-empty.
func HodgesLehmann(x, y []float64, conf float64) Shift {
	d := make([]float64, 0, len(x)*len(y))
	for _, b := range x {
		for _, c := range y {
			v := c - b
			if math.IsNaN(v) {
				v = 0 // both not reached: a tie
			}
			d = append(d, v)
		}
	}
	slices.Sort(d)
	m := len(d)
	est := d[m/2]
	if m%2 == 0 {
		est = (d[m/2-1] + d[m/2]) / 2
		if math.IsNaN(est) {
			est = d[m/2]
		}
	}
	s := Shift{Estimate: est}
	k, level := hlRank(len(x), len(y), conf)
	if k < 1 {
		return s
	}
	lo, hi := d[k-1], d[m-k]
	s.Low, s.High, s.Level = &lo, &hi, level
	return s
}

// hlRank is the rank k of the lower end of the Hodges-Lehmann interval
// (the upper end is m+1-k of m = n1 n2 differences) and its confidence:
// the largest k with P(U <= k-1) <= (1-conf)/2 under no difference. k is 0
// when no k qualifies.
func hlRank(n1, n2 int, conf float64) (int, float64) {
	tail := (1 - conf) / 2
	if n1+n2 > exactLimit {
		mn := float64(n1 * n2)
		z := normalQuantile(1 - tail)
		k := int(math.Floor(mn/2 - z*math.Sqrt(mn*float64(n1+n2+1)/12)))
		return k, conf
	}
	ranks := make([]int, n1+n2)
	for i := range ranks {
		ranks[i] = 2 * (i + 1) // doubled, as rankSumCounts takes them
	}
	counts := rankSumCounts(ranks, n1)
	var all float64
	for _, c := range counts {
		all += c
	}
	// U = W - n1(n1+1)/2; in doubled ranks, 2U = 2W - n1(n1+1).
	base := n1 * (n1 + 1)
	k, cum, level := 0, 0.0, 0.0
	for u := 0; 2*u+base < len(counts); u++ {
		cum += counts[2*u+base] / all
		if cum > tail {
			break
		}
		k, level = u+1, 1-2*cum
	}
	return k, level
}

// normalQuantile is the standard normal quantile of p in (0, 1).
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
