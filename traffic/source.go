package traffic

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxLine is the longest line read; a longer one is a bad line.
const maxLine = 1 << 20

// maxBadKept is how many bad lines are kept as examples.
const maxBadKept = 5

var errLineTooLong = fmt.Errorf("line longer than %d bytes", maxLine)

// source is one log being read: its lines, parsed one at a time into rec.
// Lines that do not parse are counted in bad and skipped.
type source struct {
	name  string
	idx   int // position on the command line: breaks ties in the merge
	r     *bufio.Reader
	close func() error
	p     lineParser
	rec   record
	line  int64 // lines read, blank ones included: the current line's number
	lines int64 // lines that were not blank
	long  []byte
	bad   *badLines
}

// badLines counts the lines of all sources that did not parse and keeps
// the first few.
type badLines struct {
	n     int64
	first []BadLine
}

func (b *badLines) add(file string, line int64, err error) {
	b.n++
	if len(b.first) < maxBadKept {
		b.first = append(b.first, BadLine{File: file, Line: line, Err: err})
	}
}

// openSource opens a log file, plain or gzip (told by its first bytes, not
// its name). The caller must call close.
func openSource(name string, idx int, p lineParser, bad *badLines) (*source, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, inputf("open log: %w", err)
	}
	s, err := newSource(name, idx, f, p, bad)
	if err != nil {
		_ = f.Close() // the error that matters is newSource's
		return nil, err
	}
	inner := s.close
	s.close = func() error { return errors.Join(inner(), f.Close()) }
	return s, nil
}

// newSource reads a log from r, decompressing it when it is gzip.
func newSource(name string, idx int, r io.Reader, p lineParser, bad *badLines) (*source, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	s := &source{name: name, idx: idx, p: p, bad: bad, close: func() error { return nil }}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, inputf("read gzip log %s: %w", name, err)
		}
		s.close = zr.Close
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	s.r = br
	return s, nil
}

// next parses the next good line into s.rec; false at the end of the log.
func (s *source) next() (bool, error) {
	for {
		line, err := s.readLine()
		if err == io.EOF {
			return false, nil
		}
		s.line++
		if err == errLineTooLong {
			s.lines++
			s.bad.add(s.name, s.line, err)
			continue
		}
		if err != nil {
			return false, inputf("read log %s at line %d: %w", s.name, s.line, err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		s.lines++
		if err := s.p.parse(line, &s.rec); err != nil {
			s.bad.add(s.name, s.line, err)
			continue
		}
		return true, nil
	}
}

// readLine returns the next line with its newline; io.EOF after the last.
// A last line without a newline is still a line.
func (s *source) readLine() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(line) > 0) {
		return line, nil
	}
	if err != bufio.ErrBufferFull {
		return nil, err
	}
	s.long = append(s.long[:0], line...)
	for {
		line, err = s.r.ReadSlice('\n')
		if len(s.long) <= maxLine {
			s.long = append(s.long, line...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(s.long) > maxLine {
			return nil, errLineTooLong
		}
		return s.long, nil
	}
}
