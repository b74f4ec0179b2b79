package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httputil"
	"strconv"
	"time"
)

// readAnswer reads one HTTP/1.x answer from br into x: the status, the
// two headers the storm acts on (Location, Retry-After), and the body, of
// which the first x.answerCap bytes are kept and the rest discarded.
// Informational answers (100 Continue, 103) are skipped, at most
// maxInformational of them. keep says whether the connection may carry
// another request: the body ended where the answer said and neither side
// asked to close.
//
// It is written by hand because http.ReadResponse costs 10 allocations an
// answer (a Response, its Header map, a string per header) where this one
// costs none; FuzzAnswer holds it equal to http.ReadResponse on status,
// framing, keep-alive and body bytes. An answer net/http would refuse is a
// *protocolError here (class protocol), never a timeout.
func readAnswer(br *bufio.Reader, x *Exchange) (keep bool, err error) {
	var h answerHead
	budget := maxHeadBytes
	for informational := 0; ; informational++ {
		if informational > maxInformational {
			return false, ProtocolErrorf("more than %d informational (1xx) answers", maxInformational)
		}
		if h, err = readHead(br, x, &budget); err != nil {
			return false, err
		}
		if x.Code < 100 || x.Code > 199 || x.Code == 101 {
			break
		}
	}
	return readAnswerBody(br, x, h)
}

// readAnswerBody reads the body h describes, as net/http frames it.
func readAnswerBody(br *bufio.Reader, x *Exchange, h answerHead) (keep bool, err error) {
	keep = h.keepAlive && x.Code != 101
	switch {
	case x.Head || !bodyAllowed(x.Code):
		return keep, nil
	case h.chunked:
		if err := readStream(httputil.NewChunkedReader(br), x); err != nil {
			return false, chunkError(err)
		}
		return keep, readTrailer(br)
	case h.length >= 0:
		return keep, readBody(br, h.length, x)
	}
	// Neither a length nor chunks: the body ends when the service closes.
	return false, readStream(br, x)
}

// bodyAllowed is whether an answer of code may have a body (RFC 9110 §6.4.1).
func bodyAllowed(code int) bool {
	return code != 204 && code != 304 && (code < 100 || code > 199)
}

// Bounds on what a service may send before its body: an endless header
// or a stream of 1xx answers costs an error, not the machine's memory.
const (
	maxHeadBytes     = 64 << 10 // all heads of one answer, 1xx included
	maxInformational = 5        // as net/http's Transport
)

// errHeadTooLong: an answer's heads went past maxHeadBytes.
var errHeadTooLong = fmt.Errorf("answer head longer than %d bytes", maxHeadBytes)

// answerHead is what the headers say of the body and the connection.
type answerHead struct {
	major, minor int
	length       int64  // Content-Length; -1 when none
	lengthSeen   []byte // the first Content-Length as sent, to compare another with
	lengthBuf    [24]byte
	chunked      bool
	teSeen       bool
	keepAlive    bool
	connClose    bool // a Connection header lists close
	connKeep     bool // a Connection header lists keep-alive
}

// readHead reads a status line and its headers into x and h, within
// budget bytes (spent as it reads).
func readHead(br *bufio.Reader, x *Exchange, budget *int) (answerHead, error) {
	x.Location, x.RetryAfter = "", ""
	line, err := readLine(br, budget)
	if err != nil {
		return answerHead{}, err
	}
	h := answerHead{length: -1}
	if x.Code, h.major, h.minor, err = parseStatusLine(line); err != nil {
		return h, err
	}
	if err := readHeaders(br, budget, func(name, value []byte) error { return h.header(x, name, value) }); err != nil {
		return h, err
	}
	h.settle(x.Code, x.Head)
	return h, nil
}

// parseStatusLine reads "HTTP/1.1 201 Created" as http.ReadResponse does.
func parseStatusLine(line []byte) (code, major, minor int, err error) {
	proto, status, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return 0, 0, 0, ProtocolErrorf("malformed HTTP response %q", line)
	}
	digits, _, _ := bytes.Cut(bytes.TrimLeft(status, " "), []byte(" "))
	if len(digits) != 3 {
		return 0, 0, 0, ProtocolErrorf("malformed HTTP status code %q", digits)
	}
	if code, err = strconv.Atoi(string(digits)); err != nil || code < 0 {
		return 0, 0, 0, ProtocolErrorf("malformed HTTP status code %q", digits)
	}
	if major, minor, ok = parseVersion(proto); !ok {
		return 0, 0, 0, ProtocolErrorf("malformed HTTP version %q", proto)
	}
	return code, major, minor, nil
}

// parseVersion is http.ParseHTTPVersion without the string.
func parseVersion(v []byte) (major, minor int, ok bool) {
	if len(v) != len("HTTP/X.Y") || !bytes.HasPrefix(v, []byte("HTTP/")) || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return 0, 0, false
	}
	return int(v[5] - '0'), int(v[7] - '0'), true
}

// header takes in one header line, if it is one the storm reads. name is
// as sent; net/http canonicalises only names without spaces, so a name
// with one ("Content-Length ") is another header to it, and to us.
func (h *answerHead) header(x *Exchange, name, value []byte) error {
	switch {
	case bytes.EqualFold(name, []byte("Content-Length")):
		// net/http trims the value before it compares or parses it: a
		// folded empty line leaves a trailing space there.
		value = trimSpace(value)
		if h.lengthSeen != nil && !bytes.Equal(h.lengthSeen, value) {
			return ProtocolErrorf("conflicting Content-Length headers %q and %q", h.lengthSeen, value)
		}
		if h.lengthSeen == nil {
			n, err := strconv.ParseUint(string(value), 10, 63)
			if err != nil {
				return ProtocolErrorf("malformed Content-Length %q", value)
			}
			h.length, h.lengthSeen = int64(n), append(h.lengthBuf[:0], value...)
		}
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		if !h.atLeast11() {
			return nil // as net/http: HTTP/1.0 has no transfer codings
		}
		if h.teSeen {
			return ProtocolErrorf("more than one Transfer-Encoding header")
		}
		h.teSeen, h.chunked = true, bytes.EqualFold(value, []byte("chunked"))
		if !h.chunked {
			return ProtocolErrorf("unsupported Transfer-Encoding %q (only chunked is)", value)
		}
	case bytes.EqualFold(name, []byte("Connection")):
		h.connClose = h.connClose || hasToken(value, "close")
		h.connKeep = h.connKeep || hasToken(value, "keep-alive")
	case x.WantCookies && bytes.EqualFold(name, []byte("Set-Cookie")):
		x.SetCookies = append(x.SetCookies, string(value))
	case bytes.EqualFold(name, []byte("Keep-Alive")):
		x.IdleFor = keepAliveTimeout(value)
	case bytes.EqualFold(name, []byte("Location")):
		if x.Location == "" {
			x.Location = string(value)
		}
	case bytes.EqualFold(name, []byte("Retry-After")):
		if x.RetryAfter == "" {
			x.RetryAfter = string(value)
		}
	default:
		for i, h := range x.WantHeaders {
			if x.GotHeaders[i] == "" && bytes.EqualFold(name, []byte(h)) {
				x.GotHeaders[i] = string(value)
			}
		}
	}
	return nil
}

// keepAliveTimeout reads "timeout=5, max=100": how long the service
// keeps an idle connection; 0 when it does not say.
func keepAliveTimeout(v []byte) time.Duration {
	for len(v) > 0 {
		var p []byte
		p, v, _ = bytes.Cut(v, []byte(","))
		k, n, ok := bytes.Cut(bytes.Trim(p, " \t"), []byte("="))
		if ok && bytes.EqualFold(k, []byte("timeout")) {
			if s, err := strconv.Atoi(string(n)); err == nil && s > 0 {
				return time.Duration(s) * time.Second
			}
		}
	}
	return 0
}

// atLeast11 is whether transfer codings apply: from HTTP/1.1 on, and, as
// net/http reads it, to a version of 0.0 (taken as 1.1).
func (h *answerHead) atLeast11() bool {
	return h.major > 1 || h.major == 1 && h.minor >= 1 || h.major == 0 && h.minor == 0
}

// settle decides the framing and keep-alive once all headers are in, as
// net/http's readTransfer does: Transfer-Encoding (from HTTP/1.1 on)
// overrides Content-Length; HTTP/1.0 keeps the connection only when asked
// to; a body without a length ends with the connection.
func (h *answerHead) settle(code int, head bool) {
	if h.chunked {
		h.length = -1
	}
	switch {
	case h.major < 1:
		h.keepAlive = false
	case h.major == 1 && h.minor == 0:
		h.keepAlive = !h.connClose && h.connKeep
	default:
		h.keepAlive = !h.connClose
	}
	if !head && h.length < 0 && !h.chunked && bodyAllowed(code) {
		h.keepAlive = false
	}
}

// hasToken reports whether the comma-separated list v holds token, case
// aside (httpguts.HeaderValuesContainsToken, one value).
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var t []byte
		t, v, _ = bytes.Cut(v, []byte(","))
		if bytes.EqualFold(bytes.Trim(t, " \t"), []byte(token)) {
			return true
		}
	}
	return false
}

// readHeaders reads header lines up to the empty one, as textproto's
// ReadMIMEHeader does (a folded line joins the one before it; a name of
// token bytes, a space before the colon tolerated; values of visible
// bytes, spaces and tabs), and hands each name and value to take.
func readHeaders(br *bufio.Reader, budget *int, take func(name, value []byte) error) error {
	if b, err := br.Peek(1); err == nil && (b[0] == ' ' || b[0] == '\t') {
		return ProtocolErrorf("malformed header: the first line starts with a space")
	}
	var folded []byte
	for {
		line, err := readLine(br, budget)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return nil
		}
		if line, err = unfold(br, budget, line, &folded); err != nil {
			return err
		}
		name, value, err := splitHeader(line)
		if err != nil {
			return err
		}
		if err := take(name, value); err != nil {
			return err
		}
	}
}

// unfold joins the continuation lines (starting with a space or a tab)
// that follow line, as textproto does: one space between, each trimmed.
func unfold(br *bufio.Reader, budget *int, line []byte, buf *[]byte) ([]byte, error) {
	if b, err := br.Peek(1); err != nil || (b[0] != ' ' && b[0] != '\t') {
		return trimSpace(line), nil
	}
	if bytes.IndexByte(line, ':') < 0 {
		return nil, ProtocolErrorf("malformed header line %q: no colon", line)
	}
	*buf = append((*buf)[:0], trimSpace(line)...)
	for {
		b, err := br.Peek(1)
		if err != nil || (b[0] != ' ' && b[0] != '\t') {
			return *buf, nil
		}
		for b, err = br.Peek(1); err == nil && (b[0] == ' ' || b[0] == '\t'); b, err = br.Peek(1) {
			_, _ = br.ReadByte()
		}
		next, err := readLine(br, budget)
		if err != nil {
			return *buf, nil //nolint:nilerr // as textproto: a fold cut off ends the line
		}
		*buf = append(append(*buf, ' '), trimSpace(next)...)
	}
}

// splitHeader cuts a header line at its colon and checks its bytes.
func splitHeader(line []byte) (name, value []byte, err error) {
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok || len(name) == 0 {
		return nil, nil, ProtocolErrorf("malformed header line %q", line)
	}
	for _, c := range name {
		if !tokenByte(c) && c != ' ' {
			return nil, nil, ProtocolErrorf("malformed header line %q", line)
		}
	}
	for _, c := range value {
		if c != '\t' && (c < ' ' || c == 0x7f) {
			return nil, nil, ProtocolErrorf("malformed header line %q", line)
		}
	}
	return name, bytes.TrimLeft(value, " \t"), nil
}

// tokenByte is whether c may be in a header name (RFC 9110 token).
func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

func trimSpace(b []byte) []byte { return bytes.Trim(b, " \t") }

// readLine reads one line without its line end (CRLF or LF), spending
// budget. The slice is br's, valid until the next read.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// Longer than the buffer: keep reading, within the budget.
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(long) <= *budget {
			line, err = br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if *budget -= len(line); *budget < 0 {
		return nil, &ProtocolError{msg: errHeadTooLong.Error(), err: errHeadTooLong}
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readBody reads n bytes of body from br, keeping the first x.answerCap in
// x.answer and discarding the rest in br's own buffer.
func readBody(br *bufio.Reader, n int64, x *Exchange) error {
	if k := min(n, int64(x.AnswerCap)); k > 0 {
		x.Answer = make([]byte, k)
		m, err := io.ReadFull(br, x.Answer)
		x.Answer, x.BytesIn = x.Answer[:m], x.BytesIn+uint64(m)
		if err != nil {
			return unexpected(err)
		}
		n -= k
	}
	for n > 0 {
		// Discard takes an int: a length near 2^63 is read in steps.
		m, err := br.Discard(int(min(n, 1<<30)))
		x.BytesIn += uint64(m)
		if err != nil {
			return unexpected(err)
		}
		n -= int64(m)
	}
	return nil
}

// readStream reads a body that ends with its last chunk or with the
// connection, keeping the first x.answerCap bytes.
func readStream(r io.Reader, x *Exchange) error {
	if x.AnswerCap > 0 {
		b, err := io.ReadAll(io.LimitReader(r, int64(x.AnswerCap)))
		x.Answer, x.BytesIn = b, x.BytesIn+uint64(len(b))
		if err != nil {
			return err
		}
	}
	m, err := io.Copy(io.Discard, r)
	x.BytesIn += uint64(m)
	return err
}

// chunkError names a malformed chunk as a protocol error; a connection
// that ended mid-body stays what it is.
func chunkError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isNetError(err) {
		return unexpected(err)
	}
	return ProtocolErrorf("malformed chunked body: %v", err)
}

// readTrailer reads the trailer section after the last chunk, up to its
// empty line, as net/http does: CRLF alone is the common case; a trailer
// must end within the reader's buffer and follow the header rules.
func readTrailer(br *bufio.Reader) error {
	b, _ := br.Peek(2)
	switch {
	case bytes.Equal(b, []byte("\r\n")):
		_, err := br.Discard(2)
		return err
	case len(b) < 2:
		return io.ErrUnexpectedEOF
	}
	if b, _ = br.Peek(br.Size()); !bytes.Contains(b, []byte("\r\n\r\n")) {
		if len(b) < br.Size() {
			return io.ErrUnexpectedEOF
		}
		return ProtocolErrorf("trailer longer than %d bytes", br.Size())
	}
	budget := maxHeadBytes
	return unexpected(readHeaders(br, &budget, func(_, _ []byte) error { return nil }))
}

// unexpected names a body cut short as such.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
