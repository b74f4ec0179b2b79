package reports

import (
	"math"
	"slices"
	"sort"

	"github.com/rehearse-dev/rehearse/reports/stats"
)

// cdfPoints is how many latencies the CDF grid has (log-spaced).
const cdfPoints = 120

// LatencyCDF is the distribution of successful attempts' latencies of each
// side, for the overlaid chart: at each latency of GridMs, the fraction of
// attempts at or below it, of all runs of a side pooled and of each run.
type LatencyCDF struct {
	GridMs    []float64 `json:"grid_ms"`
	Baseline  CDFSide   `json:"baseline"`
	Candidate CDFSide   `json:"candidate"`
}

// CDFSide is one side's cumulative fractions over LatencyCDF.GridMs.
type CDFSide struct {
	Pooled []float64   `json:"pooled"`
	Runs   [][]float64 `json:"runs"`
}

// latencyCDF is the CDF of both sides, or nil when some run has no attempt
// log (or no successful attempt) to draw it from.
func latencyCDF(base, cand []Run, maxSamples int) *LatencyCDF {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range slices.Concat(base, cand) {
		if len(r.Latencies) == 0 {
			return nil
		}
		for _, v := range r.Latencies {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	lo = max(lo, 0.01)
	hi = max(hi, lo*1.01)
	grid := make([]float64, cdfPoints)
	for i := range grid {
		grid[i] = lo * math.Pow(hi/lo, float64(i)/float64(cdfPoints-1))
	}
	return &LatencyCDF{GridMs: grid, Baseline: cdfSide(base, grid, maxSamples), Candidate: cdfSide(cand, grid, maxSamples)}
}

// cdfSide is one side's fractions at each latency of grid.
func cdfSide(runs []Run, grid []float64, maxSamples int) CDFSide {
	s := CDFSide{Runs: [][]float64{}}
	var all []float64
	for _, r := range runs {
		v := slices.Clone(stats.Thin(r.Latencies, maxSamples))
		slices.Sort(v)
		s.Runs = append(s.Runs, ecdf(v, grid))
		all = append(all, v...)
	}
	slices.Sort(all)
	s.Pooled = ecdf(all, grid)
	return s
}

// ecdf is the fraction of the sorted values at or below each grid point.
func ecdf(sorted, grid []float64) []float64 {
	out := make([]float64, len(grid))
	for i, g := range grid {
		k := sort.Search(len(sorted), func(j int) bool { return sorted[j] > g })
		out[i] = math.Round(float64(k)/float64(len(sorted))*1e4) / 1e4
	}
	return out
}
