package reports

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// parseAttemptLine reads one line of an attempt log whose header has
// fields columns into a, field by field in place: a long log is read
// without a string or a slice per line (docs/attempts.md has the cost).
func parseAttemptLine(a *Attempt, line []byte, fields int) error {
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	*a = Attempt{BytesOut: -1, BytesIn: -1}
	var errs []error
	n := 0
	for rest, more := line, true; more; n++ {
		f := rest
		if j := bytes.IndexByte(rest, ','); j >= 0 {
			f, rest = rest[:j], rest[j+1:]
		} else {
			more = false
		}
		if n >= fields {
			continue // counted, not read: the line has too many
		}
		if err := setField(a, n, f); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", attemptHeader[n], f, err))
		}
	}
	if n != fields {
		return fmt.Errorf("%d fields, want %d", n, fields)
	}
	return errors.Join(errs...)
}

// setField sets column i of a from its text f.
func setField(a *Attempt, i int, f []byte) error {
	var err error
	switch i {
	case 0:
		a.Caller, err = parseInt32(f)
	case 1:
		a.Try, err = parseInt32(f)
	case 2:
		a.Intended, err = parseMs(f)
	case 3:
		a.Sent, err = parseMs(f)
	case 4:
		a.Latency, err = parseMs(f)
	case 5:
		a.Status, err = parseInt32(f)
	case 6:
		a.Class = internClass(f)
	case 7:
		a.CallerClass, err = parseUint8(f)
	case 8:
		a.BytesOut, err = parseByteCount(f)
	case 9:
		a.BytesIn, err = parseByteCount(f)
	case 11:
		a.Resent, err = parseFlag(f)
	case 12:
		a.Redirects, err = parseUint8(f)
	} // 10, caller_name: written for people and tools, not read back
	return err
}

// parseDigits reads a run of decimal digits (no sign) into a uint64.
func parseDigits(f []byte) (uint64, bool) {
	if len(f) == 0 || len(f) > 18 {
		return 0, false
	}
	var n uint64
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

var errNumber = errors.New("not a number")

func parseInt32(f []byte) (int32, error) {
	neg := len(f) > 0 && f[0] == '-'
	if neg {
		f = f[1:]
	}
	n, ok := parseDigits(f)
	if !ok || n > math.MaxInt32 {
		return 0, errNumber
	}
	if neg {
		return -int32(n), nil
	}
	return int32(n), nil
}

func parseUint8(f []byte) (uint8, error) {
	n, ok := parseDigits(f)
	if !ok || n > math.MaxUint8 {
		return 0, errNumber
	}
	return uint8(n), nil
}

// parseByteCount reads a byte count: an empty cell is one not recorded
// (-1); a negative one is an error.
func parseByteCount(f []byte) (int64, error) {
	if len(f) == 0 {
		return -1, nil
	}
	if f[0] == '-' {
		return 0, errors.New("byte count below 0")
	}
	n, ok := parseDigits(f)
	if !ok {
		return 0, errNumber
	}
	return int64(n), nil
}

func parseFlag(f []byte) (bool, error) {
	switch string(f) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, errors.New("not 0 or 1")
}

// parseMs reads milliseconds as appendMs writes them ("1500.250", up to
// three decimals) exactly, in integers; anything else a float reads
// ("1e3") is rounded to the nanosecond.
func parseMs(f []byte) (time.Duration, error) {
	neg := len(f) > 0 && f[0] == '-'
	s := f
	if neg {
		s = s[1:]
	}
	whole, frac, _ := bytes.Cut(s, []byte{'.'})
	w, okW := parseDigits(whole)
	fr, okF := parseDigits(frac)
	if len(frac) == 0 {
		okF = true
	}
	if okW && okF && len(frac) <= 3 && w < math.MaxInt64/uint64(time.Millisecond) {
		for range 3 - len(frac) {
			fr *= 10
		}
		d := time.Duration(w)*time.Millisecond + time.Duration(fr)*time.Microsecond
		if neg {
			d = -d
		}
		return d, nil
	}
	v, err := strconv.ParseFloat(string(f), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxInt64/1e6 {
		return 0, errNumber
	}
	return time.Duration(math.Round(v * 1e6)), nil
}

// internedClasses interns the classes a log names: a long log repeats a few
// classes millions of times.
var internedClasses = map[string]Class{}

func init() {
	for _, c := range []Class{ClassNone, ClassTimeout, ClassConnRefused, ClassConnReset, ClassEOF, ClassConnClosed,
		ClassConnTimeout, ClassProtocol, ClassRedirect, ClassTLS, ClassHTTP4xx, ClassHTTP429, ClassHTTP5xx, ClassOther,
		ClassBadAnswer, GenOutOfFiles, GenOutOfPorts, GenLocal, ClassAborted} {
		internedClasses[string(c)] = c
	}
}

// internClass is f as a Class, without an allocation for a known one.
func internClass(f []byte) Class {
	if c, ok := internedClasses[string(f)]; ok {
		return c
	}
	return Class(f)
}
