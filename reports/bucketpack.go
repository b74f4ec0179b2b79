package reports

import hdr "github.com/HdrHistogram/hdrhistogram-go"

// A second's latency histograms take about 25 KB each while they are
// filled; a 30-minute storm holds 1,800 seconds of them. Once a second is
// packAfter seconds behind the newest one, no answer is likely to land
// in it any more (an attempt is recorded in the second it was sent, and
// few wait five minutes), so its histograms are kept compressed — a few
// hundred bytes — and read back when the report is assembled. An answer
// that does land in a packed second unpacks it first: nothing is lost.

// packAfter is how many seconds behind the newest a second is packed.
const packAfter = 300

// packOld packs the seconds packAfter behind newest. Call it with a.mu
// held.
func (a *Aggregator) packOld(newest int) {
	for ; a.packedTo < newest-packAfter && a.packedTo < len(a.buckets); a.packedTo++ {
		a.buckets[a.packedTo].pack()
	}
}

// pack compresses b's histograms.
func (b *bucket) pack() {
	b.packedLat, b.lat = packHist(b.lat, b.packedLat)
	b.packedFail, b.fail = packHist(b.fail, b.packedFail)
}

// packHist is h compressed (or the old packing when h is nil).
func packHist(h *hdr.Histogram, old []byte) ([]byte, *hdr.Histogram) {
	if h == nil {
		return old, nil
	}
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return old, h // kept whole: correct, only bigger
	}
	return enc, nil
}

// hists are b's histograms, unpacked if they were packed (b unchanged).
func (b *bucket) hists() (lat, fail *hdr.Histogram) {
	return unpackHist(b.lat, b.packedLat), unpackHist(b.fail, b.packedFail)
}

// unpack makes b's histograms whole again, for one more answer.
func (b *bucket) unpack() {
	b.lat, b.fail = b.hists()
	b.packedLat, b.packedFail = nil, nil
}

func unpackHist(h *hdr.Histogram, packed []byte) *hdr.Histogram {
	if h != nil || packed == nil {
		return h
	}
	d, err := hdr.Decode(packed)
	if err != nil {
		return nil
	}
	return d
}
