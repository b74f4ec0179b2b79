package traffic

import (
	"errors"
	"strings"
)

// nginxParser reads nginx's combined format:
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//
// optionally followed by $request_length and $request_time, as in
//
//	log_format sized '$remote_addr - $remote_user [$time_local] "$request" '
//	                 '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
//	                 '$request_length $request_time';
//
// $body_bytes_sent is the response's size, so an upload's size is known
// only when $request_length is logged, or $content_length in its place
// (--size-from content_length: the body alone, sizefield.go). $time_local is when the response
// ended: with $request_time logged, the arrival is that minus the time
// taken. nginx escapes '"' inside a field as \x22, so a quote always ends
// the field.
type nginxParser struct {
	header string // the one header the caller rule reads: referer, user-agent or ""
	size   string // what the column after the user agent holds: request_length (default) or content_length
}

var (
	errNginxAddr    = errors.New(`want "ADDRESS - USER [TIME]" at the start`)
	errNginxTime    = errors.New(`want the time as [10/Oct/2000:13:55:36 -0700]`)
	errNginxRequest = errors.New(`want the request as "METHOD /path HTTP/1.1"`)
	errStatus       = errors.New("want a status such as 200")
	errNginxTail    = errors.New(`want $body_bytes_sent "$http_referer" "$http_user_agent" after the status`)
	errNginxExtra   = errors.New("want a size ($request_length or --size-from content_length) and $request_time after the user agent")
)

func (p *nginxParser) parse(line []byte, r *record) error {
	*r = record{}
	sp := indexByte(line, ' ')
	open := indexByte(line, '[')
	if sp <= 0 || open < sp {
		return errNginxAddr
	}
	r.addr = line[:sp]
	rest := line[open+1:]
	cl := indexByte(rest, ']')
	if cl < 0 {
		return errNginxTime
	}
	t, ok := parseNginxTime(rest[:cl])
	if !ok {
		return errNginxTime
	}
	r.t, r.logged = t, t
	req, rest, ok := quoted(rest[cl+1:])
	if !ok {
		return errNginxRequest
	}
	if r.method, r.target, ok = splitRequest(req); !ok {
		return errNginxRequest
	}
	status, rest := field(rest)
	if r.status, ok = parseStatus(status); !ok {
		return errStatus
	}
	return p.tail(rest, r)
}

// tail reads what follows the status: the response size, referer, user
// agent, and the optional $request_length $request_time.
func (p *nginxParser) tail(rest []byte, r *record) error {
	_, rest = field(rest) // $body_bytes_sent: the response, not the upload
	ref, rest, ok1 := quoted(rest)
	ua, rest, ok2 := quoted(rest)
	if !ok1 || !ok2 {
		return errNginxTail
	}
	switch p.header {
	case "referer":
		r.ident = dash(ref)
	case "user-agent":
		r.ident = dash(ua)
	}
	length, rest := field(rest)
	if len(length) == 0 {
		return nil
	}
	n, ok := parseInt(length)
	if !ok && string(length) != "-" {
		return errNginxExtra
	}
	if ok {
		r.bytes, r.bytesKey = n, p.size
	}
	dur, _ := field(rest)
	if len(dur) > 0 && string(dur) != "-" {
		d, ok := parseSeconds(dur)
		if !ok {
			return errNginxExtra
		}
		r.t -= d
	}
	return nil
}

// quoted reads ` "text"` (leading spaces skipped) and returns text and what
// follows the closing quote.
func quoted(b []byte) (text, rest []byte, ok bool) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i >= len(b) || b[i] != '"' {
		return nil, b, false
	}
	end := indexByte(b[i+1:], '"')
	if end < 0 {
		return nil, b, false
	}
	return b[i+1 : i+1+end], b[i+2+end:], true
}

// field reads the next space-separated field, leading spaces skipped.
func field(b []byte) (f, rest []byte) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' {
		j++
	}
	return b[i:j], b[j:]
}

// dash is nil for a logged "-" or "" (nothing was sent), else b.
func dash(b []byte) []byte {
	if len(b) == 0 || (len(b) == 1 && b[0] == '-') {
		return nil
	}
	return b
}

// nginxHeader is the header of a combined line the rule reads: referer or
// user-agent; false for any other, which combined does not log.
func nginxHeader(name string) (string, bool) {
	switch h := strings.ToLower(name); h {
	case "referer", "referrer":
		return "referer", true
	case "user-agent":
		return h, true
	}
	return "", false
}
