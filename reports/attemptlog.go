package reports

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
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
// (Attempt.BytesOut -1).
var attemptHeader = []string{"caller", "try", "intended_ms", "sent_ms", "latency_ms", "status", "class", "caller_class", "bytes_out", "bytes_in", "caller_name"}

// Lengths of the headers an attempt log has had, oldest first.
const (
	legacyAttemptFields = 7  // before caller_class
	classAttemptFields  = 8  // before bytes_out and bytes_in
	bytesAttemptFields  = 10 // before caller_name
)

var attemptHeaderLens = []int{legacyAttemptFields, classAttemptFields, bytesAttemptFields, len(attemptHeader)}

// AttemptLog writes attempts as CSV: caller,try,intended_ms,sent_ms,
// latency_ms,status,class,caller_class,bytes_out,bytes_in (caller_class is
// the index of the caller's class, Attempt.CallerClass; a byte count not
// recorded, a negative one, is an empty cell). It buffers, and writes what it buffered within
// FlushEvery of the first unwritten attempt (a timer, so a quiet spell does
// not hold attempts back); call Flush at the end, which also stops the
// timer. It is safe for concurrent use: the storm engine writes from many
// goroutines. The first write error is kept and returned by every later
// Write and Flush.
type AttemptLog struct {
	names func(dst []byte, caller int32) []byte // SetCallerNames; nil: names left empty
	mu    sync.Mutex
	w     *bufio.Writer
	buf   []byte
	err   error
	timer *time.Timer // armed while attempts wait in w; nil otherwise
}

// NewAttemptLog starts a log on w and writes its header.
func NewAttemptLog(w io.Writer) *AttemptLog {
	l := &AttemptLog{w: bufio.NewWriterSize(w, 64<<10)}
	_, l.err = l.w.WriteString(strings.Join(attemptHeader, ",") + "\n")
	return l
}

func msf(d time.Duration) float64 { return float64(d) / 1e6 }

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

// Write appends one attempt.
func (l *AttemptLog) Write(a Attempt) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	b := l.buf[:0]
	b = strconv.AppendInt(b, int64(a.Caller), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Try), 10)
	for _, d := range []time.Duration{a.Intended, a.Sent, a.Latency} {
		b = append(b, ',')
		b = strconv.AppendFloat(b, msf(d), 'f', 3, 64)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(a.Status), 10)
	b = append(b, ',')
	b = append(b, a.Class...)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(a.CallerClass), 10)
	b = appendBytes(append(b, ','), a.BytesOut)
	b = appendBytes(append(b, ','), a.BytesIn)
	b = append(b, ',')
	if l.names != nil {
		b = escapeName(b, l.names(b, a.Caller))
	}
	b = append(b, '\n')
	l.buf = b
	if _, l.err = l.w.Write(b); l.err != nil {
		return l.err
	}
	if l.w.Buffered() > 0 && l.timer == nil {
		l.timer = time.AfterFunc(FlushEvery, l.flushLater)
	}
	return nil
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
	if l.err == nil && l.w.Buffered() > 0 {
		l.err = l.w.Flush()
	}
}

// Flush writes what is buffered and stops the flush timer.
func (l *AttemptLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if l.err != nil {
		return l.err
	}
	l.err = l.w.Flush()
	return l.err
}

// ReadAttemptLog calls fn for every attempt of a log written by AttemptLog,
// also one written before the caller_class column (every attempt in class
// 0) or before the byte columns (their bytes -1, not recorded).
func ReadAttemptLog(r io.Reader, fn func(Attempt) error) error {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("read attempt log: %w", err)
	}
	if !isAttemptHeader(head) {
		return errors.New("read attempt log: not an attempt log (bad header)")
	}
	fields := len(head)
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read attempt log: %w", err)
		}
		a, err := parseAttempt(rec, fields)
		if err != nil {
			return fmt.Errorf("read attempt log: line %d: %w", line, err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
}

// AttemptLogScan is what ScanAttemptLog learnt of a log besides its
// attempts.
type AttemptLogScan struct {
	// Bytes: the log has the bytes_out and bytes_in columns. A log
	// without them has every attempt's bytes -1 (not recorded).
	Bytes bool
	// Cut: its last line had no newline (the process died while writing
	// it) and was left out.
	Cut bool
}

// ScanAttemptLog calls fn for every whole line of an attempt log, the log
// of a run that may have been killed: a last line without its newline is
// left out (Cut), any other malformed line is an error naming its line.
// An error from fn stops the scan and is returned as it is.
func ScanAttemptLog(r io.Reader, fn func(Attempt) error) (AttemptLogScan, error) {
	var scan AttemptLogScan
	br := bufio.NewReader(r)
	head, err := br.ReadString('\n')
	if err != nil && (head == "" || !errors.Is(err, io.EOF)) {
		return scan, fmt.Errorf("read attempt log: %w", err)
	}
	fields := strings.Split(strings.TrimSpace(head), ",")
	if !isAttemptHeader(fields) {
		return scan, errors.New("not an attempt log (bad header)")
	}
	scan.Bytes = len(fields) > classAttemptFields
	for line := 2; ; line++ {
		s, err := br.ReadString('\n')
		switch {
		case strings.HasSuffix(s, "\n"):
			a, perr := parseAttempt(strings.Split(strings.TrimRight(s, "\r\n"), ","), len(fields))
			if perr != nil {
				return scan, fmt.Errorf("attempt log line %d: %w", line, perr)
			}
			if ferr := fn(a); ferr != nil {
				return scan, ferr
			}
		case s != "":
			scan.Cut = true
		}
		if errors.Is(err, io.EOF) {
			return scan, nil
		}
		if err != nil {
			return scan, fmt.Errorf("read attempt log: %w", err)
		}
	}
}

// isAttemptHeader reports whether head is the header of an attempt log,
// the current one or an older one.
func isAttemptHeader(head []string) bool {
	return slices.ContainsFunc(attemptHeaderLens, func(n int) bool { return slices.Equal(head, attemptHeader[:n]) })
}

// parseAttempt reads one record of an attempt log whose header has fields
// columns.
func parseAttempt(rec []string, fields int) (Attempt, error) {
	var a Attempt
	if len(rec) != fields {
		return a, fmt.Errorf("%d fields, want %d", len(rec), fields)
	}
	var perr error
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		perr = errors.Join(perr, err)
		return f
	}
	a.Caller, a.Try = int32(num(rec[0])), int32(num(rec[1]))
	a.Intended = time.Duration(num(rec[2]) * 1e6)
	a.Sent = time.Duration(num(rec[3]) * 1e6)
	a.Latency = time.Duration(num(rec[4]) * 1e6)
	a.Status = int32(num(rec[5]))
	a.Class = Class(rec[6])
	if fields > legacyAttemptFields {
		c, err := strconv.ParseUint(rec[7], 10, 8)
		perr = errors.Join(perr, err)
		a.CallerClass = uint8(c)
	}
	a.BytesOut, a.BytesIn = -1, -1
	if fields > classAttemptFields {
		a.BytesOut = parseBytes(rec[8], &perr)
		a.BytesIn = parseBytes(rec[9], &perr)
	}
	return a, perr
}

// parseBytes reads a byte count: an empty cell is one not recorded (-1).
func parseBytes(s string, perr *error) int64 {
	if s == "" {
		return -1
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n < 0 {
		err = fmt.Errorf("byte count %d below 0", n)
	}
	*perr = errors.Join(*perr, err)
	return n
}
