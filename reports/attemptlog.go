package reports

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// AttemptLogFile is the name of the raw per-attempt log in a run folder.
const AttemptLogFile = "attempts.csv"

// FlushEvery is the longest an attempt waits in an AttemptLog's buffer
// before it reaches the file: a run killed with SIGKILL loses at most this
// much of its log.
const FlushEvery = time.Second

// attemptHeader is the header of an attempt log. Logs written before a
// column existed lack it and every column after it; each such header is
// still read (attemptHeaderLens): without caller_class every attempt is in
// class 0, without bytes_out and bytes_in their bytes are not recorded
// (Attempt.BytesOut -1), without resent and redirects they read false and
// 0.
var attemptHeader = []string{"caller", "try", "intended_ms", "sent_ms", "latency_ms", "status", "class", "caller_class", "bytes_out", "bytes_in", "caller_name", "resent", "redirects"}

// Lengths of the headers an attempt log has had, oldest first.
const (
	legacyAttemptFields = 7  // before caller_class
	classAttemptFields  = 8  // before bytes_out and bytes_in
	bytesAttemptFields  = 10 // before caller_name
	namesAttemptFields  = 11 // before resent and redirects
)

var attemptHeaderLens = []int{legacyAttemptFields, classAttemptFields, bytesAttemptFields, namesAttemptFields, len(attemptHeader)}

// AttemptLog writes attempts as CSV: caller,try,intended_ms,sent_ms,
// latency_ms,status,class,caller_class,bytes_out,bytes_in,caller_name,
// resent,redirects (caller_class is the index of the caller's class,
// Attempt.CallerClass; a byte count not recorded, a negative one, is an
// empty cell; resent is 0 or 1). Times are milliseconds with three
// decimals: the log's resolution is a microsecond, each time rounded to
// the nearest. It buffers, and writes what it buffered within
// FlushEvery of the first unwritten attempt (a timer, so a quiet spell does
// not hold attempts back); call Flush at the end, which also stops the
// timer (Close, for a log from CreateAttemptLog). It is safe for
// concurrent use: the storm engine writes from many goroutines. The first
// write error is kept and returned by every later Write and Flush.
type AttemptLog struct {
	names   func(dst []byte, caller int32) []byte // SetCallerNames; nil: names left empty
	mu      sync.Mutex
	w       *bufio.Writer
	buf     []byte
	err     error
	timer   *time.Timer // armed while attempts wait in w or gz; nil otherwise
	dirty   bool        // attempts written since the last flush
	written int64
	// Set by CreateAttemptLog: what the log holds, its compressor and
	// file (closed by Close), and the sample of callers it keeps.
	info    AttemptsLog
	gz      *gzip.Writer
	file    *os.File
	sample  callerSampler
	sampled bool
}

// NewAttemptLog starts a log on w and writes its header.
func NewAttemptLog(w io.Writer) *AttemptLog {
	l := &AttemptLog{w: bufio.NewWriterSize(w, 64<<10), info: AttemptsLog{Mode: AttemptsAll}}
	_, l.err = l.w.WriteString(strings.Join(attemptHeader, ",") + "\n")
	return l
}

// SetCallerNames makes the log write each attempt's caller name — its
// {caller} as sent, a replay's logged caller — in the caller_name column,
// as names appends it. Call it before the first Write; without it the
// column is empty. A comma, a quote or a line break in a name is written
// %-escaped (%2C, %22, %0A, %0D), so that a line stays a line of fields.
func (l *AttemptLog) SetCallerNames(names func(dst []byte, caller int32) []byte) {
	l.mu.Lock()
	l.names = names
	l.mu.Unlock()
}

// Write appends one attempt; a log of a sample drops the attempts of the
// callers outside it.
func (l *AttemptLog) Write(a Attempt) error {
	if l.sampled && !l.sample.keep(a.Caller) {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	b := appendAttempt(l.buf[:0], a)
	if l.names != nil {
		b = escapeName(b, l.names(b, a.Caller))
	}
	b = append(b, ',')
	if a.Resent {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(a.Redirects), 10)
	b = append(b, '\n')
	l.buf = b
	if _, l.err = l.w.Write(b); l.err != nil {
		return l.err
	}
	l.written++
	l.dirty = true
	if l.timer == nil {
		l.timer = time.AfterFunc(FlushEvery, l.flushLater)
	}
	return nil
}

// appendAttempt appends a's columns up to caller_name's comma.
func appendAttempt(b []byte, a Attempt) []byte {
	b = strconv.AppendInt(b, int64(a.Caller), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Try), 10)
	for _, d := range []time.Duration{a.Intended, a.Sent, a.Latency} {
		b = appendMs(append(b, ','), d)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Status), 10)
	b = append(b, ',')
	b = append(b, a.Class...)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(a.CallerClass), 10)
	b = appendBytes(append(b, ','), a.BytesOut)
	b = appendBytes(append(b, ','), a.BytesIn)
	return append(b, ',')
}

// appendMs appends d in milliseconds with three decimals, rounded to the
// nearest microsecond in integers: parseMs reads back exactly that.
func appendMs(b []byte, d time.Duration) []byte {
	us := int64(d / time.Microsecond)
	if r := d % time.Microsecond; r >= 500 {
		us++
	} else if r <= -500 {
		us--
	}
	if us < 0 {
		b, us = append(b, '-'), -us
	}
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// escapeName %-escapes, in place at the end of b (the name just appended
// after from = len of what preceded it), the bytes that would break a CSV
// line: the name is b[len(prefix):].
func escapeName(prefix, b []byte) []byte {
	name := b[len(prefix):]
	if !strings.ContainsAny(string(name), ",\"\r\n") {
		return b
	}
	out := append([]byte(nil), prefix...)
	for _, c := range name {
		switch c {
		case ',', '"', '\r', '\n':
			out = append(out, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
		default:
			out = append(out, c)
		}
	}
	return out
}

// appendBytes appends a byte count; one not recorded (negative) is left
// empty, never written as 0.
func appendBytes(b []byte, n int64) []byte {
	if n < 0 {
		return b
	}
	return strconv.AppendInt(b, n, 10)
}

// flushLater runs on the timer: it writes what waits in the buffer.
func (l *AttemptLog) flushLater() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timer = nil
	if l.err == nil && l.dirty {
		l.err = l.flushLocked()
	}
}

// flushLocked writes the buffer through, and the compressor's pending
// bytes as a gzip sync flush: what reached the file decompresses whole,
// also when the process dies next.
func (l *AttemptLog) flushLocked() error {
	l.dirty = false
	if err := l.w.Flush(); err != nil {
		return err
	}
	if l.gz != nil {
		return l.gz.Flush()
	}
	return nil
}

// Flush writes what is buffered and stops the flush timer.
func (l *AttemptLog) Flush() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if l.err != nil {
		return l.err
	}
	l.err = l.flushLocked()
	return l.err
}

// Close flushes the log, ends a compressed one with its gzip trailer, and
// closes the file of a log from CreateAttemptLog. A nil log (--attempts
// none) closes as nothing. Writes after Close fail.
func (l *AttemptLog) Close() error {
	if l == nil {
		return nil
	}
	err := l.Flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gz != nil {
		err = errors.Join(err, l.gz.Close())
		l.gz = nil
	}
	if l.file != nil {
		err = errors.Join(err, l.file.Close())
		l.file = nil
	}
	if l.err == nil {
		l.err = errors.New("attempt log closed")
	}
	return err
}

// Info is the report's attempts_log of this log: what it holds, its file
// and the attempts written so far. A nil log is --attempts none.
func (l *AttemptLog) Info() *AttemptsLog {
	if l == nil {
		return &AttemptsLog{Mode: AttemptsNone}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	info := l.info
	n := l.written
	info.Attempts = &n
	return &info
}

// ReadAttemptLog calls fn for every attempt of a log written by AttemptLog,
// plain or compressed (gzip, told by its content), also one written before
// the caller_class column (every attempt in class 0) or before the byte
// columns (their bytes -1, not recorded). It is strict: a line cut short,
// or a compressed log that ends before its gzip trailer, is an error.
func ReadAttemptLog(r io.Reader, fn func(Attempt) error) error {
	_, err := scanAttemptLog(r, true, fn)
	return err
}

// AttemptLogScan is what ScanAttemptLog learnt of a log besides its
// attempts.
type AttemptLogScan struct {
	// Bytes: the log has the bytes_out and bytes_in columns. A log
	// without them has every attempt's bytes -1 (not recorded).
	Bytes bool
	// Cut: its last line had no newline, or its gzip stream ended before
	// its trailer (the process died while writing it): the whole lines
	// before were read, the rest left out.
	Cut bool
	// Compressed: the log is gzip.
	Compressed bool
	// Log is what the log holds as its gzip header records it: mode all
	// for a plain log or one without rehearse's header comment.
	Log AttemptsLog
	// Attempts are the attempts read.
	Attempts int64
}

// ScanAttemptLog calls fn for every whole line of an attempt log, plain or
// compressed, the log of a run that may have been killed: a last line
// without its newline, or a gzip stream without its trailer, is left out
// (Cut), any other malformed line is an error naming its line. An error
// from fn stops the scan and is returned as it is.
func ScanAttemptLog(r io.Reader, fn func(Attempt) error) (AttemptLogScan, error) {
	return scanAttemptLog(r, false, fn)
}

// errTruncated is a compressed log that ends before its gzip trailer.
var errTruncated = errors.New("the compressed log ends before its gzip trailer (the run was killed while writing it)")

// scanAttemptLog reads a log line by line without a copy per line; strict
// refuses what ScanAttemptLog forgives of a killed run.
func scanAttemptLog(r io.Reader, strict bool, fn func(Attempt) error) (AttemptLogScan, error) {
	scan := AttemptLogScan{Log: AttemptsLog{Mode: AttemptsAll}}
	br, closeGz, err := decompressed(r, &scan)
	if err != nil {
		return scan, fmt.Errorf("read attempt log: %w", err)
	}
	defer closeGz()
	head, err := br.ReadString('\n')
	if err != nil && (head == "" || !errors.Is(err, io.EOF)) {
		return scan, fmt.Errorf("read attempt log: %w", readErr(err))
	}
	fields := strings.Split(strings.TrimRight(head, "\r\n"), ",")
	if !isAttemptHeader(fields) {
		return scan, errors.New("read attempt log: not an attempt log (bad header)")
	}
	scan.Bytes = len(fields) > classAttemptFields
	var a Attempt
	for line := 2; ; line++ {
		s, err := br.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer: a name, or garbage
			var more []byte
			more, err = br.ReadSlice('\n')
			s = append(append([]byte(nil), s...), more...)
		}
		switch {
		case len(s) > 0 && s[len(s)-1] == '\n':
			if perr := parseAttemptLine(&a, s, len(fields)); perr != nil {
				return scan, fmt.Errorf("read attempt log: line %d: %w", line, perr)
			}
			scan.Attempts++
			if ferr := fn(a); ferr != nil {
				return scan, ferr
			}
		case len(s) > 0:
			scan.Cut = true
			if strict {
				return scan, fmt.Errorf("read attempt log: line %d is cut short (the run was killed while writing it)", line)
			}
		}
		if err == nil {
			continue
		}
		return scan, endOfLog(err, strict, &scan)
	}
}

// endOfLog turns the error that ended a scan into its result: nil at the
// end, a truncated gzip stream forgiven (Cut) unless strict.
func endOfLog(err error, strict bool, scan *AttemptLogScan) error {
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF) && scan.Compressed && !strict:
		scan.Cut = true
		return nil
	}
	return fmt.Errorf("read attempt log: %w", readErr(err))
}

// readErr names a truncated gzip stream for what it is.
func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncated
	}
	return err
}

// decompressed returns a reader of r's lines: r itself, or its gzip
// stream when r starts with gzip's magic bytes (scan then says so and
// carries the header's record of what the log holds). close releases the
// decompressor.
func decompressed(r io.Reader, scan *AttemptLogScan) (*bufio.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 256<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, func() {}, nil
	}
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, readErr(err)
	}
	gz.Multistream(false) // one log is one gzip member; what follows is not ours
	scan.Compressed, scan.Log = true, parseGzipComment(gz.Comment)
	ra := newReadAhead(gz, 4, 1<<20)
	return bufio.NewReaderSize(ra, 256<<10), func() { ra.Close(); _ = gz.Close() }, nil
}

// isAttemptHeader reports whether head is the header of an attempt log,
// the current one or an older one.
func isAttemptHeader(head []string) bool {
	return slices.ContainsFunc(attemptHeaderLens, func(n int) bool { return slices.Equal(head, attemptHeader[:n]) })
}
