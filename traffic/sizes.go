package traffic

import (
	"maps"
	"math"
	"slices"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// exactSizes is how many distinct sizes are counted exactly before the
// distribution falls back to a histogram (3 significant digits).
const exactSizes = 200_000

// sizeDist is the distribution of upload sizes: exact while it has at
// most exactSizes distinct values, approximate (within 0.1%) after.
type sizeDist struct {
	exact map[int64]int64
	hist  *hdrhistogram.Histogram
	n     int64
	max   int64
}

func newSizeDist() *sizeDist { return &sizeDist{exact: map[int64]int64{}} }

func (d *sizeDist) add(v int64) {
	d.n++
	d.max = max(d.max, v)
	if d.hist != nil {
		_ = d.hist.RecordValue(v) // values above the range are clamped below
		return
	}
	d.exact[v]++
	if len(d.exact) > exactSizes {
		d.hist = hdrhistogram.New(1, 1<<40, 3)
		for v, c := range d.exact {
			_ = d.hist.RecordValues(min(v, 1<<40), c) // in range: clamped
		}
		d.exact = nil
	}
}

// quantile is the nearest-rank quantile q (0..1): the smallest size with
// at least q of the uploads at or below it; 0 with no upload.
func (d *sizeDist) quantile(q float64) int64 {
	if d.n == 0 {
		return 0
	}
	if d.hist != nil {
		return d.hist.ValueAtQuantile(q * 100)
	}
	rank := max(int64(math.Ceil(q*float64(d.n))), 1)
	var seen int64
	for _, v := range slices.Sorted(maps.Keys(d.exact)) {
		seen += d.exact[v]
		if seen >= rank {
			return v
		}
	}
	return d.max
}

// approx reports whether quantiles are from the histogram.
func (d *sizeDist) approx() bool { return d.hist != nil }
