package views

import "github.com/rehearse-dev/rehearse/reports"

// maxPoints bounds each chart's series. A timeline of more seconds is
// downsampled: its seconds are taken in groups of Step, and each group is
// drawn as two points, the lowest and the highest second of every series
// in the order they came, so a one-second spike (or dip) of a long run
// survives on a chart of a few thousand points.
const maxPoints = 3000

// chartStep is how many seconds each group covers for a timeline of n
// seconds: 1 (no downsampling) up to maxPoints, else enough for two
// points a group to stay within maxPoints.
func chartStep(n int) int {
	if n <= maxPoints {
		return 1
	}
	half := maxPoints / 2
	return (n + half - 1) / half
}

// addTimeline appends tl to d, downsampled in groups of step seconds.
func (d *chartData) addTimeline(tl []reports.Bucket, step int) {
	d.Step = step
	if step <= 1 {
		for _, b := range tl {
			d.add(b)
		}
		return
	}
	for i := 0; i < len(tl); i += step {
		g := tl[i:min(i+step, len(tl))]
		if len(g) == 1 {
			d.add(g[0])
			continue
		}
		first, second := groupExtremes(g)
		d.add(first)
		d.add(second)
	}
}

// groupExtremes are two buckets standing for group g (two or more
// seconds): at its first second and at its middle one, with each series'
// lowest and highest value of the group, the one that came first first.
// A value not measured in a second (nil, or a negative CPU sample) takes
// no part; a series measured in no second of g stays nil in both.
func groupExtremes(g []reports.Bucket) (reports.Bucket, reports.Bucket) {
	a, b := reports.Bucket{TS: g[0].TS}, reports.Bucket{TS: g[len(g)/2].TS}
	for _, f := range []func(*reports.Bucket) *int64{
		func(x *reports.Bucket) *int64 { return &x.Sent }, func(x *reports.Bucket) *int64 { return &x.OK },
		func(x *reports.Bucket) *int64 { return &x.Timeouts }, func(x *reports.Bucket) *int64 { return &x.Errors },
		func(x *reports.Bucket) *int64 { return &x.Offered }, func(x *reports.Bucket) *int64 { return &x.Goodput },
		func(x *reports.Bucket) *int64 { return &x.Inflight },
	} {
		extremes(g, f, &a, &b)
	}
	for _, f := range []func(*reports.Bucket) **float64{
		func(x *reports.Bucket) **float64 { return &x.P50Ms }, func(x *reports.Bucket) **float64 { return &x.P99Ms },
		func(x *reports.Bucket) **float64 { return &x.P99AllMs }, func(x *reports.Bucket) **float64 { return &x.SUTCPU },
	} {
		optExtremes(g, f, &a, &b)
	}
	for _, f := range []func(*reports.Bucket) **int64{
		func(x *reports.Bucket) **int64 { return &x.SUTMemBytes }, func(x *reports.Bucket) **int64 { return &x.QueueDepth },
	} {
		optExtremes(g, f, &a, &b)
	}
	return a, b
}

// extremes sets field f of a and b to g's lowest and highest, in the
// order they came.
func extremes[T int64 | float64](g []reports.Bucket, f func(*reports.Bucket) *T, a, b *reports.Bucket) {
	lo, hi := 0, 0
	for i := range g {
		v := *f(&g[i])
		if v < *f(&g[lo]) {
			lo = i
		}
		if v > *f(&g[hi]) {
			hi = i
		}
	}
	first, second := order(lo, hi)
	*f(a), *f(b) = *f(&g[first]), *f(&g[second])
}

// optExtremes is extremes of a field that may not have been measured
// (nil, or below 0: a CPU counter that went back across a restart).
func optExtremes[T int64 | float64](g []reports.Bucket, f func(*reports.Bucket) **T, a, b *reports.Bucket) {
	lo, hi := -1, -1
	for i := range g {
		p := *f(&g[i])
		if p == nil || !usable(*p) {
			continue
		}
		if lo < 0 || *p < **f(&g[lo]) {
			lo = i
		}
		if hi < 0 || *p > **f(&g[hi]) {
			hi = i
		}
	}
	if lo < 0 {
		return
	}
	first, second := order(lo, hi)
	*f(a), *f(b) = *f(&g[first]), *f(&g[second])
}

// usable reports whether v is a measurement: 0 or above (a NaN is not).
func usable[T int64 | float64](v T) bool { return v >= 0 }

// order returns the two indexes, the earlier first.
func order(i, j int) (int, int) {
	if i <= j {
		return i, j
	}
	return j, i
}
