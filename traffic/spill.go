package traffic

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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

// spillRec is one upload read back from a bucket. Method and path are
// offsets into the bucket's bytes, not slices: a bucket of records without
// pointers costs the garbage collector nothing to scan.
type spillRec struct {
	caller     uint32
	status     int32
	seq        uint32 // position in the bucket: ties keep the order read
	mOff, mLen uint32
	pOff, pLen uint32
	t          int64
	bytes      int64
	src        uint8 // where bytes came from: 0 not logged, else 1 + the importer's index of the field
}

// bucket is one bucket read back: its records and the bytes their
// methods and paths are in.
type bucket struct {
	recs []spillRec
	data []byte
}

func (b *bucket) method(r *spillRec) []byte { return b.data[r.mOff : r.mOff+r.mLen] }
func (b *bucket) path(r *spillRec) []byte   { return b.data[r.pOff : r.pOff+r.pLen] }

func newSpill(tempDir string) (*spill, error) {
	dir, err := os.MkdirTemp(tempDir, "rehearse-import-")
	if err != nil {
		return nil, fmt.Errorf("create spill folder: %w", err)
	}
	return &spill{dir: dir}, nil
}

// add appends an upload to its caller's bucket.
func (s *spill) add(caller uint32, t int64, status int, bytes int64, src uint8, method, path []byte) error {
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
	buf = append(buf, src)
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
// bucket's uploads sorted by caller, then arrival (equal times keep the
// order they were read in).
func (s *spill) each(fn func(*bucket) error) error {
	var bk bucket
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
		if len(data) > math.MaxUint32 {
			return fmt.Errorf("spill file of %d bytes: more than 4 GiB in one bucket", len(data))
		}
		bk.data = data
		if bk.recs, err = decodeSpill(data, bk.recs[:0]); err != nil {
			return err
		}
		slices.SortFunc(bk.recs, func(a, b spillRec) int {
			return cmp.Or(cmp.Compare(a.caller, b.caller), cmp.Compare(a.t, b.t), cmp.Compare(a.seq, b.seq))
		})
		if err := fn(&bk); err != nil {
			return err
		}
	}
	return nil
}

var errSpill = errors.New("spill file damaged")

// decodeSpill reads the records of one bucket.
func decodeSpill(all []byte, recs []spillRec) ([]spillRec, error) {
	data := all
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
		if r.bytes, data, ok = varint(data); !ok || len(data) == 0 {
			return nil, errSpill
		}
		r.src, data = data[0], data[1:]
		if n, data, ok = uvarint(data); !ok || n > uint64(len(data)) {
			return nil, errSpill
		}
		r.mOff, r.mLen = uint32(len(all)-len(data)), uint32(n)
		data = data[n:]
		if n, data, ok = uvarint(data); !ok || n > uint64(len(data)) {
			return nil, errSpill
		}
		r.pOff, r.pLen = uint32(len(all)-len(data)), uint32(n)
		data = data[n:]
		r.caller, r.status, r.seq = uint32(c), int32(st), uint32(len(recs))
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
