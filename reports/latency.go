package reports

import hdr "github.com/HdrHistogram/hdrhistogram-go"

// latencyOf summarises h, whose values sum to sumMs: every figure nil when
// h is empty, so that a latency nothing measured is never read as 0 ms.
func latencyOf(h *hdr.Histogram, sumMs float64) Latency {
	n := h.TotalCount()
	if n == 0 {
		return Latency{}
	}
	return Latency{
		Attempts: n,
		Mean:     ptrTo(round3(sumMs / float64(n))),
		P50:      quantile(h, 50), P90: quantile(h, 90), P99: quantile(h, 99),
		Max: ptrTo(ms(h.Max())),
	}
}

// quantile is h's q-th percentile in ms, nil when h is nil or empty.
func quantile(h *hdr.Histogram, q float64) *float64 {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	return ptrTo(ms(h.ValueAtQuantile(q)))
}

// merged is the union of the histograms that are not nil: one of them
// itself when only one is, nil when none is. It never changes its inputs.
func merged(hs ...*hdr.Histogram) *hdr.Histogram {
	var out *hdr.Histogram
	copied := false
	for _, h := range hs {
		switch {
		case h == nil:
		case out == nil:
			out = h
		default:
			if !copied {
				out = hdr.Import(out.Export())
				copied = true
			}
			out.Merge(h)
		}
	}
	return out
}

// unionInto is the union of a and b as merged makes it, but for two
// histograms of a second (recordLatency's geometry) it fills *scratch,
// made once and reset for each use, instead of a copy of a: the timeline
// of a long run would copy thousands of them. The result is valid until
// the next call with the same scratch.
func unionInto(scratch **hdr.Histogram, a, b *hdr.Histogram) *hdr.Histogram {
	if a == nil || b == nil {
		return merged(a, b)
	}
	if *scratch == nil {
		*scratch = hdr.New(histMin, histMax, 2)
	} else {
		(*scratch).Reset()
	}
	(*scratch).Merge(a)
	(*scratch).Merge(b)
	return *scratch
}
