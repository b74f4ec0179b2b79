package traffic

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Reader reads a trace one caller at a time, so a replay can stream it.
// NewReader reads and checks the header; Next returns the callers in file
// order and io.EOF after the last, having checked that the trace holds
// what its header announced.
type Reader struct {
	name    string
	zr      *gzip.Reader
	br      *bufio.Reader
	h       Header
	line    int64
	callers int
	uploads int64
	s       jsonScanner
	strs    map[string]string // methods and path templates, shared
	long    []byte
}

// NewReader reads the header of the trace r (gzip'd, or plain JSON lines)
// named name in errors. Errors match ErrInput: a file that is not a trace,
// or a *VersionError for a trace of another version.
func NewReader(r io.Reader, name string) (*Reader, error) {
	tr := &Reader{name: name, strs: map[string]string{}}
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, tr.errorf("not a gzip'd trace: %w", err)
		}
		tr.zr, br = zr, bufio.NewReaderSize(zr, 256<<10)
	}
	tr.br = br
	first, err := tr.readLine()
	if err != nil {
		return nil, tr.errorf("not a trace: %w", noEOF(err))
	}
	var v struct {
		Version *int `json:"rehearse_trace"`
	}
	if json.Unmarshal(first, &v) != nil || v.Version == nil {
		return nil, tr.errorf("not a trace: its first line is not a rehearse trace header (write one with `rehearse import`)")
	}
	if *v.Version != Version {
		return nil, &VersionError{File: name, Got: *v.Version, Want: Version}
	}
	if err := json.Unmarshal(first, &tr.h); err != nil {
		return nil, tr.errorf("header: %w", err)
	}
	return tr, nil
}

// Header is the trace's header.
func (r *Reader) Header() Header { return r.h }

// Next reads the next caller. Method and path strings are shared between
// uploads that have the same ones.
func (r *Reader) Next() (CallerTrace, error) {
	line, err := r.readLine()
	if err == io.EOF {
		if r.callers != r.h.Callers || r.uploads != r.h.Uploads {
			return CallerTrace{}, r.errorf("cut short: the header announces %d callers and %d uploads, the file holds %d and %d",
				r.h.Callers, r.h.Uploads, r.callers, r.uploads)
		}
		return CallerTrace{}, io.EOF
	}
	if err != nil {
		return CallerTrace{}, r.errorf("%w", err)
	}
	c, err := r.parseCaller(line)
	if err != nil {
		return CallerTrace{}, r.errorf("line %d: %w", r.line, err)
	}
	r.callers++
	r.uploads += int64(len(c.Uploads))
	return c, nil
}

// Close releases the gzip stream; it does not close the underlying reader.
func (r *Reader) Close() error {
	if r.zr != nil {
		return r.zr.Close()
	}
	return nil
}

func (r *Reader) errorf(format string, args ...any) error {
	return inputf("trace %s: %w", r.name, fmt.Errorf(format, args...))
}

// readLine returns the next non-empty line without its newline.
func (r *Reader) readLine() ([]byte, error) {
	for {
		line, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			r.long = append(r.long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = r.br.ReadSlice('\n')
				r.long = append(r.long, line...)
			}
			line = r.long
		}
		if err != nil && (err != io.EOF || len(line) == 0) {
			return nil, err
		}
		r.line++
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return line, nil
		}
	}
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("the file is empty")
	}
	return err
}

// parseCaller reads {"caller":NAME,"uploads":[{...},...]}; unknown keys
// are skipped, so a later version 1 writer may add some.
func (r *Reader) parseCaller(line []byte) (CallerTrace, error) {
	var c CallerTrace
	s := &r.s
	s.reset(line)
	named := false
	err := s.object(func(k []byte) error {
		switch string(k) {
		case "caller":
			v, isStr, err := s.value()
			if err != nil || !isStr {
				return errors.Join(err, errors.New("caller: want a string"))
			}
			c.Name, named = string(v), true
			return nil
		case "k":
			v, isStr, err := s.value()
			k, ok := parseInt(v)
			if err != nil || isStr || !ok {
				return errors.Join(err, errors.New("k: want the caller's place in the replay"))
			}
			c.Ordinal = int(k)
			return nil
		case "uploads":
			return s.array(func() error {
				u, err := r.parseUpload()
				c.Uploads = append(c.Uploads, u)
				return err
			})
		}
		return s.skip()
	})
	if err == nil {
		err = s.end()
	}
	if err == nil && !named {
		err = errors.New("a caller line without a caller")
	}
	return c, err
}

// parseUpload reads {"t":ms,"m":"POST","p":"/path","b":bytes,"s":status,"r":true}.
func (r *Reader) parseUpload() (Upload, error) {
	var u Upload
	s := &r.s
	err := s.object(func(k []byte) error {
		v, isStr, err := s.value()
		if err != nil {
			return err
		}
		var ok bool
		switch string(k) {
		case "t":
			var ms int64
			ms, ok = parseInt(v)
			u.Offset = time.Duration(ms) * time.Millisecond
		case "m":
			u.Method, ok = r.intern(v), isStr
		case "p":
			u.Path, ok = r.intern(v), isStr
		case "b":
			u.Bytes, ok = parseInt(v)
		case "s":
			var st int64
			st, ok = parseInt(v)
			u.Status = int(st)
		case "r":
			u.Retry, ok = string(v) == "true", !isStr
		case "g":
			u.Index, ok = parseInt(v)
		default:
			ok = true
		}
		if !ok {
			return fmt.Errorf("upload %q: bad value %q", k, v)
		}
		return nil
	})
	return u, err
}

// intern returns the shared copy of v.
func (r *Reader) intern(v []byte) string {
	if s, ok := r.strs[string(v)]; ok {
		return s
	}
	s := string(v)
	if len(r.strs) < 1<<20 {
		r.strs[s] = s
	}
	return s
}
