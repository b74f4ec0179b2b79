package livemetrics

import (
	"math"
	"sort"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/protowire"
)

// encodeWriteRequest encodes families as a remote-write 1.0 WriteRequest
// (prometheus.WriteRequest, protobuf), every sample stamped tsMs: counters
// and gauges as one sample each; a histogram as its classic series
// (_bucket with le, +Inf included, _sum, _count), what every receiver
// takes, and with native set also as one native histogram sample. The
// message is written by hand with protowire, a few dozen lines instead of
// the Prometheus server module and its dependencies.
func encodeWriteRequest(fams []*dto.MetricFamily, tsMs int64, native bool) []byte {
	var out, ts []byte
	series := func(name string, m *dto.Metric, extra *dto.LabelPair, v float64) {
		ts = appendLabels(ts[:0], name, m.GetLabel(), extra)
		ts = appendSample(ts, v, tsMs)
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, ts)
	}
	for _, mf := range fams {
		name := mf.GetName()
		for _, m := range mf.GetMetric() {
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				series(name, m, nil, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				series(name, m, nil, m.GetGauge().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					if math.IsInf(b.GetUpperBound(), 1) {
						continue // written below from the count, as the text format does
					}
					series(name+"_bucket", m, leLabel(b.GetUpperBound()), float64(b.GetCumulativeCount()))
				}
				series(name+"_bucket", m, leLabel(math.Inf(1)), float64(h.GetSampleCount()))
				series(name+"_sum", m, nil, h.GetSampleSum())
				series(name+"_count", m, nil, float64(h.GetSampleCount()))
				if native && h.Schema != nil {
					ts = appendLabels(ts[:0], name, m.GetLabel(), nil)
					ts = protowire.AppendTag(ts, 4, protowire.BytesType)
					ts = protowire.AppendBytes(ts, appendNative(nil, h, tsMs))
					out = protowire.AppendTag(out, 1, protowire.BytesType)
					out = protowire.AppendBytes(out, ts)
				}
			}
		}
	}
	return out
}

// leLabel is the le label of an upper bound, formatted as the text
// exposition formats it, so pushed and scraped buckets are the same series.
func leLabel(ub float64) *dto.LabelPair {
	le, v := "le", "+Inf"
	if !math.IsInf(ub, 1) {
		v = strconv.FormatFloat(ub, 'g', -1, 64)
	}
	return &dto.LabelPair{Name: &le, Value: &v}
}

// appendLabels appends a TimeSeries' labels, sorted by name as the
// protocol requires: __name__, the metric's own, and extra.
func appendLabels(b []byte, name string, pairs []*dto.LabelPair, extra *dto.LabelPair) []byte {
	type kv struct{ k, v string }
	all := make([]kv, 0, len(pairs)+2)
	all = append(all, kv{"__name__", name})
	for _, p := range pairs {
		if p.GetValue() != "" { // an empty value is no label
			all = append(all, kv{p.GetName(), p.GetValue()})
		}
	}
	if extra != nil {
		all = append(all, kv{extra.GetName(), extra.GetValue()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].k < all[j].k })
	var l []byte
	for _, p := range all {
		l = protowire.AppendTag(l[:0], 1, protowire.BytesType)
		l = protowire.AppendString(l, p.k)
		l = protowire.AppendTag(l, 2, protowire.BytesType)
		l = protowire.AppendString(l, p.v)
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, l)
	}
	return b
}

// appendSample appends one Sample{value, timestamp} to a TimeSeries.
func appendSample(b []byte, v float64, tsMs int64) []byte {
	var s []byte
	s = protowire.AppendTag(s, 1, protowire.Fixed64Type)
	s = protowire.AppendFixed64(s, math.Float64bits(v))
	s = protowire.AppendTag(s, 2, protowire.VarintType)
	s = protowire.AppendVarint(s, uint64(tsMs))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, s)
}

// appendNative encodes h's native buckets as a prometheus.Histogram: the
// client keeps them in the protocol's own form (spans, then deltas).
func appendNative(b []byte, h *dto.Histogram, tsMs int64) []byte {
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, h.GetSampleCount())
	b = protowire.AppendTag(b, 3, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(h.GetSampleSum()))
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(h.GetSchema())))
	b = protowire.AppendTag(b, 5, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(h.GetZeroThreshold()))
	b = protowire.AppendTag(b, 6, protowire.VarintType)
	b = protowire.AppendVarint(b, h.GetZeroCount())
	b = appendSpans(b, 8, 9, h.GetNegativeSpan(), h.GetNegativeDelta())
	b = appendSpans(b, 11, 12, h.GetPositiveSpan(), h.GetPositiveDelta())
	b = protowire.AppendTag(b, 15, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(tsMs))
}

// appendSpans appends bucket spans (field spanField) and their packed
// deltas (field deltaField).
func appendSpans(b []byte, spanField, deltaField protowire.Number, spans []*dto.BucketSpan, deltas []int64) []byte {
	for _, s := range spans {
		var m []byte
		m = protowire.AppendTag(m, 1, protowire.VarintType)
		m = protowire.AppendVarint(m, protowire.EncodeZigZag(int64(s.GetOffset())))
		m = protowire.AppendTag(m, 2, protowire.VarintType)
		m = protowire.AppendVarint(m, uint64(s.GetLength()))
		b = protowire.AppendTag(b, spanField, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	if len(deltas) == 0 {
		return b
	}
	var p []byte
	for _, d := range deltas {
		p = protowire.AppendVarint(p, protowire.EncodeZigZag(d))
	}
	b = protowire.AppendTag(b, deltaField, protowire.BytesType)
	return protowire.AppendBytes(b, p)
}
