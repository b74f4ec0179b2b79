package traffic

import "time"

// Times are parsed by hand: time.Parse costs more than the rest of a line.
// Each parser returns Unix nanoseconds and false for anything it does not
// recognise whole.

// parseTime reads a logged time: a number (parseEpoch), an ISO 8601 /
// RFC 3339 time (parseISO), nginx's $time_local (parseNginxTime) or a
// number written as a string.
func parseTime(b []byte, isStr bool) (int64, bool) {
	if !isStr {
		return parseEpoch(b)
	}
	if t, ok := parseISO(b); ok {
		return t, true
	}
	if t, ok := parseNginxTime(b); ok {
		return t, true
	}
	return parseEpoch(b)
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseNginxTime reads $time_local: 10/Oct/2000:13:55:36 -0700.
func parseNginxTime(b []byte) (int64, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return 0, false
	}
	mon := -1
	for i, m := range months {
		if string(b[3:6]) == m {
			mon = i + 1
		}
	}
	d, ok1 := digits(b[0:2])
	y, ok2 := digits(b[7:11])
	h, ok3 := digits(b[12:14])
	mi, ok4 := digits(b[15:17])
	s, ok5 := digits(b[18:20])
	off, ok6 := zoneOffset(b[21:])
	if mon < 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return 0, false
	}
	return civil(y, mon, d, h, mi, s, 0, off)
}

// parseISO reads 2006-01-02T15:04:05[.fraction](Z|+07:00|+0700), with a
// space allowed for the T.
func parseISO(b []byte) (int64, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	h, ok4 := digits(b[11:13])
	mi, ok5 := digits(b[14:16])
	s, ok6 := digits(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return 0, false
	}
	rest := b[19:]
	var ns int64
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		for scale := int64(1e8); i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			ns += int64(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return 0, false
		}
		rest = rest[i:]
	}
	off, ok := zoneOffset(rest)
	if !ok {
		return 0, false
	}
	return civil(y, mo, d, h, mi, s, ns, off)
}

// zoneOffset reads Z, +07:00, +0700 or -07 as seconds east of UTC.
func zoneOffset(b []byte) (int, bool) {
	if len(b) == 1 && b[0] == 'Z' {
		return 0, true
	}
	if len(b) < 3 || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	h, okH := digits(b[1:3])
	m, okM := 0, true
	switch rest := b[3:]; {
	case len(rest) == 0:
	case len(rest) == 2:
		m, okM = digits(rest)
	case len(rest) == 3 && rest[0] == ':':
		m, okM = digits(rest[1:])
	default:
		return 0, false
	}
	if !okH || !okM || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// civil is the Unix time of a wall-clock time at offset seconds east of
// UTC; false for a field out of range (time.Date would normalise it).
func civil(y, mo, d, h, mi, s int, ns int64, off int) (int64, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || y < 1970 || y > 2200 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, int(ns), time.UTC)
	if t.Day() != d { // 31 April
		return 0, false
	}
	return t.UnixNano() - int64(off)*1e9, true
}

// digits reads a short run of decimal digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}
