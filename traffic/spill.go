package traffic

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// spillBuckets is how many files uploads are spread over, by caller: a
// bucket is read back whole, so it holds 1/64 of the log's uploads.
const spillBuckets = 64

// spill holds uploads on disk while a log is read, grouped by caller into
// buckets (caller id mod spillBuckets), so memory does not grow with the
// lines. Each record is a few varints and the method and path bytes.
type spill struct {
	dir   string
	files [spillBuckets]*os.File
	w     [spillBuckets]*bufio.Writer
	buf   []byte
}

// spillRec is one upload read back from a bucket; method and path are
// views onto the bucket's bytes.
type spillRec struct {
	caller uint32
	t      int64
	status int32
	bytes  int64
	method []byte
	path   []byte
}

func newSpill(tempDir string) (*spill, error) {
	dir, err := os.MkdirTemp(tempDir, "rehearse-import-")
	if err != nil {
		return nil, fmt.Errorf("create spill folder: %w", err)
	}
	return &spill{dir: dir}, nil
}

// add appends an upload to its caller's bucket.
func (s *spill) add(caller uint32, t int64, status int, bytes int64, method, path []byte) error {
	b := caller % spillBuckets
	if s.w[b] == nil {
		f, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("bucket-%02d", b)))
		if err != nil {
			return fmt.Errorf("create spill file: %w", err)
		}
		s.files[b], s.w[b] = f, bufio.NewWriterSize(f, 64<<10)
	}
	buf := binary.AppendUvarint(s.buf[:0], uint64(caller))
	buf = binary.AppendVarint(buf, t)
	buf = binary.AppendUvarint(buf, uint64(status))
	buf = binary.AppendVarint(buf, bytes)
	buf = binary.AppendUvarint(buf, uint64(len(method)))
	buf = append(buf, method...)
	buf = binary.AppendUvarint(buf, uint64(len(path)))
	buf = append(buf, path...)
	s.buf = buf
	if _, err := s.w[b].Write(buf); err != nil {
		return fmt.Errorf("write spill file: %w", err)
	}
	return nil
}

// each reads the buckets back one at a time and calls fn with each
// bucket's uploads sorted by caller, then arrival (stable: equal times
// keep the order they were read in).
func (s *spill) each(fn func([]spillRec) error) error {
	var recs []spillRec
	for b, w := range s.w {
		if w == nil {
			continue
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write spill file: %w", err)
		}
		data, err := os.ReadFile(s.files[b].Name())
		if err != nil {
			return fmt.Errorf("read spill file: %w", err)
		}
		recs, err = decodeSpill(data, recs[:0])
		if err != nil {
			return err
		}
		slices.SortStableFunc(recs, func(a, b spillRec) int {
			return cmp.Or(cmp.Compare(a.caller, b.caller), cmp.Compare(a.t, b.t))
		})
		if err := fn(recs); err != nil {
			return err
		}
	}
	return nil
}

var errSpill = errors.New("spill file damaged")

// decodeSpill reads the records of one bucket.
func decodeSpill(data []byte, recs []spillRec) ([]spillRec, error) {
	for len(data) > 0 {
		var r spillRec
		var ok bool
		var c, st, n uint64
		if c, data, ok = uvarint(data); !ok {
			return nil, errSpill
		}
		if r.t, data, ok = varint(data); !ok {
			return nil, errSpill
		}
		if st, data, ok = uvarint(data); !ok {
			return nil, errSpill
		}
		if r.bytes, data, ok = varint(data); !ok {
			return nil, errSpill
		}
		if n, data, ok = uvarint(data); !ok || n > uint64(len(data)) {
			return nil, errSpill
		}
		r.method, data = data[:n], data[n:]
		if n, data, ok = uvarint(data); !ok || n > uint64(len(data)) {
			return nil, errSpill
		}
		r.path, data = data[:n], data[n:]
		r.caller, r.status = uint32(c), int32(st)
		recs = append(recs, r)
	}
	return recs, nil
}

func uvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

func varint(b []byte) (int64, []byte, bool) {
	v, n := binary.Varint(b)
	if n <= 0 {
		return 0, b, false
	}
	return v, b[n:], true
}

// close removes the spill files.
func (s *spill) close() error {
	var errs []error
	for _, f := range s.files {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	errs = append(errs, os.RemoveAll(s.dir))
	return errors.Join(errs...)
}
