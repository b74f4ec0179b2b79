package traffic

import "math"

// parseInt reads a non-negative decimal integer; false for anything else
// (a sign, a fraction, "-", an overflow).
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseStatus reads an HTTP status: 100..999, or "-" / "" / "0" for no
// response (0).
func parseStatus(b []byte) (int, bool) {
	if len(b) == 0 || (len(b) == 1 && b[0] == '-') {
		return 0, true
	}
	n, ok := parseInt(b)
	if !ok || (n != 0 && (n < 100 || n > 999)) {
		return 0, false
	}
	return int(n), true
}

// parseSeconds reads a non-negative decimal number of seconds such as
// 0.123 or 12 as nanoseconds (digits past the ninth decimal are dropped);
// false for anything else. The fraction is read as digits, not through a
// float, so a millisecond stays exactly a millisecond.
func parseSeconds(b []byte) (int64, bool) {
	whole, frac := b, []byte(nil)
	if i := indexByte(b, '.'); i >= 0 {
		whole, frac = b[:i], b[i+1:]
		if len(frac) == 0 {
			return 0, false
		}
	}
	s, ok := parseInt(whole)
	if !ok || s > math.MaxInt64/1_000_000_000-1 {
		return 0, false
	}
	var ns, scale int64 = 0, 1e8
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
		ns += int64(c-'0') * scale
		scale /= 10
	}
	return s*1e9 + ns, true
}

// parseEpoch reads a Unix time as a number: seconds (with a fraction, as
// nginx's $msec), or whole milliseconds, microseconds or nanoseconds told
// apart by magnitude (a time after 1973 in seconds has 9-10 digits; in
// milliseconds 12-13).
func parseEpoch(b []byte) (int64, bool) {
	if indexByte(b, '.') >= 0 {
		return parseSeconds(b)
	}
	n, ok := parseInt(b)
	switch {
	case !ok:
		return 0, false
	case n >= 1e17:
		return n, true
	case n >= 1e14:
		return n * 1e3, true
	case n >= 1e11:
		return n * 1e6, true
	default:
		return n * 1e9, true
	}
}
