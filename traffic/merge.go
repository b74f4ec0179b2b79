package traffic

// merger reads several sources as one stream in time order: a k-way
// merge on a min-heap of each source's current record, by the time as
// logged, which is the order a server writes its log in (the arrival,
// logged time minus duration, is not: a slow request is logged after
// quicker ones that came later). A source out of order still merges, but
// its lines come out in its own order. Ties go to the source named first.
type merger struct {
	h []*source
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
	for i := len(m.h)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
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
		last := len(m.h) - 1
		m.h[0] = m.h[last]
		m.h = m.h[:last]
	}
	if len(m.h) > 0 {
		m.down(0)
	}
	return nil
}

func (m *merger) less(i, j int) bool {
	a, b := m.h[i], m.h[j]
	return a.rec.logged < b.rec.logged || (a.rec.logged == b.rec.logged && a.idx < b.idx)
}

func (m *merger) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(m.h) {
			return
		}
		if r := l + 1; r < len(m.h) && m.less(r, l) {
			l = r
		}
		if !m.less(l, i) {
			return
		}
		m.h[i], m.h[l] = m.h[l], m.h[i]
		i = l
	}
}
