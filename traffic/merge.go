package traffic

import "container/heap"

// merger reads several sources as one stream in time order: a k-way
// merge on a min-heap of each source's current record, by the time as
// logged, which is the order a server writes its log in (the arrival,
// logged time minus duration, is not: a slow request is logged after
// quicker ones that came later). A source out of order still merges, but
// its lines come out in its own order. Ties go to the source named first.
type merger struct {
	h sources
}

// sources is the merge's min-heap (container/heap) by the current
// record's logged time, ties to the source named first.
type sources []*source

func (h sources) Len() int { return len(h) }
func (h sources) Less(i, j int) bool {
	a, b := h[i], h[j]
	return a.rec.logged < b.rec.logged || (a.rec.logged == b.rec.logged && a.idx < b.idx)
}
func (h sources) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *sources) Push(x any)   { *h = append(*h, x.(*source)) }
func (h *sources) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}

// newMerger primes each source with its first record.
func newMerger(srcs []*source) (*merger, error) {
	m := &merger{}
	for _, s := range srcs {
		ok, err := s.next()
		if err != nil {
			return nil, err
		}
		if ok {
			m.h = append(m.h, s)
		}
	}
	heap.Init(&m.h)
	return m, nil
}

// peek is the source holding the earliest record; nil when all are done.
func (m *merger) peek() *source {
	if len(m.h) == 0 {
		return nil
	}
	return m.h[0]
}

// advance moves the source peek returned to its next record.
func (m *merger) advance() error {
	ok, err := m.h[0].next()
	if err != nil {
		return err
	}
	if !ok {
		heap.Pop(&m.h)
		return nil
	}
	heap.Fix(&m.h, 0)
	return nil
}
