package scenarios

import "io"

// bodyStream is the reader Requests.Body returns: it walks the plan's
// head, its records and its tail segment by segment. When the caller's
// buffer has room for a whole record, the record is written straight into
// it; otherwise the current piece is copied out as far as it fits and the
// rest is kept for the next Read.
type bodyStream struct {
	callCtx
	plan   *bodyPlan
	n      int    // records
	maxRec int    // bound on one record's bytes
	part   uint8  // 0 head, 1 records, 2 tail, 3 padding, 4 done
	pad    int    // padding left to write
	seg    int    // next segment of the current part
	piece  []byte // rest of the current piece
}

var _ io.Reader = (*bodyStream)(nil)

// Read fills b with the next bytes of the body; io.EOF once it is all
// read, with nothing else.
func (s *bodyStream) Read(b []byte) (int, error) {
	total := 0
	for total < len(b) {
		if len(s.piece) > 0 {
			k := copy(b[total:], s.piece)
			s.piece = s.piece[k:]
			total += k
			continue
		}
		if s.part == 1 && s.seg == 0 && s.rec < s.n && len(b)-total >= s.maxRec {
			total += s.writeRecord(b[total:])
			s.rec++
			continue
		}
		if !s.next() {
			if total == 0 {
				return 0, io.EOF
			}
			break
		}
	}
	return total, nil
}

// writeRecord writes record s.rec whole into b, which has room for it.
func (s *bodyStream) writeRecord(b []byte) int {
	n := 0
	rec := s.plan.rec
	for i := range rec {
		n += copy(b[n:], s.callCtx.piece(&rec[i]))
	}
	return n
}

// next makes the next non-empty piece current; false at the body's end.
func (s *bodyStream) next() bool {
	for {
		var segs []segment
		switch s.part {
		case 0:
			segs = s.plan.head
		case 1:
			if s.rec >= s.n {
				s.part, s.seg = 2, 0
				continue
			}
			segs = s.plan.rec
		case 2:
			segs = s.plan.tail
		case 3:
			if s.pad == 0 {
				s.part = 4
				return false
			}
			k := min(s.pad, len(spaces))
			s.piece, s.pad = spaces[:k], s.pad-k
			return true
		default:
			return false
		}
		if s.seg == len(segs) {
			if s.part == 1 {
				s.rec++
			} else {
				s.part++
			}
			s.seg = 0
			continue
		}
		s.piece = s.callCtx.piece(&segs[s.seg])
		s.seg++
		if len(s.piece) > 0 {
			return true
		}
	}
}

// spaces pad a replayed upload to its logged size.
var spaces = []byte("                                                                                                                                ")
