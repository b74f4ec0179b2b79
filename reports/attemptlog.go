package reports

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// AttemptLogFile is the name of the raw per-attempt log in a run folder.
const AttemptLogFile = "attempts.csv"

var attemptHeader = []string{"caller", "try", "intended_ms", "sent_ms", "latency_ms", "status", "class"}

// AttemptLog writes attempts as CSV: caller,try,intended_ms,sent_ms,
// latency_ms,status,class. It buffers; call Flush at the end. It is safe
// for concurrent use.
type AttemptLog struct {
	mu  sync.Mutex
	w   *bufio.Writer
	buf []byte
	err error
}

// NewAttemptLog starts a log on w and writes its header.
func NewAttemptLog(w io.Writer) *AttemptLog {
	l := &AttemptLog{w: bufio.NewWriterSize(w, 64<<10)}
	_, l.err = l.w.WriteString("caller,try,intended_ms,sent_ms,latency_ms,status,class\n")
	return l
}

func msf(d time.Duration) float64 { return float64(d) / 1e6 }

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
	b = append(b, '\n')
	l.buf = b
	_, l.err = l.w.Write(b)
	return l.err
}

// Flush writes what is buffered.
func (l *AttemptLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	return l.w.Flush()
}

// ReadAttemptLog calls fn for every attempt of a log written by AttemptLog.
func ReadAttemptLog(r io.Reader, fn func(Attempt) error) error {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("read attempt log: %w", err)
	}
	if len(head) != len(attemptHeader) || head[0] != "caller" {
		return errors.New("read attempt log: not an attempt log (bad header)")
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read attempt log: %w", err)
		}
		var a Attempt
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
		if perr != nil {
			return fmt.Errorf("read attempt log: line %d: %w", line, perr)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
}
