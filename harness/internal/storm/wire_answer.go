package storm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httputil"
	"strconv"
)

// readAnswer reads one HTTP/1.x answer from br into x: the status, the
// two headers the storm acts on (Location, Retry-After), and the body, of
// which the first x.keep bytes are kept and the rest discarded. Informational
// answers (100 Continue, 103) are skipped. keep says whether the
// connection may carry another request: the body ended where the answer
// said and neither side asked to close.
func readAnswer(br *bufio.Reader, x *exchange) (keep bool, err error) {
	var h answerHead
	for {
		if h, err = readHead(br, x); err != nil {
			return false, err
		}
		if x.code >= 200 || x.code == 101 {
			break
		}
	}
	switch {
	case x.code == 204 || x.code == 304 || x.code == 101 || x.req.Method() == "HEAD":
		return h.keepAlive && x.code != 101, nil
	case h.chunked:
		if err := readStream(httputil.NewChunkedReader(br), x); err != nil {
			return false, err
		}
		return h.keepAlive, skipTrailer(br)
	case h.length >= 0:
		return h.keepAlive, readBody(br, h.length, x)
	}
	// Neither a length nor chunks: the body ends when the service closes.
	return false, readStream(br, x)
}

// answerHead is what the headers say of the body and the connection.
type answerHead struct {
	length    int64 // Content-Length; -1 when none
	chunked   bool
	keepAlive bool
}

// readHead reads the status line and the headers into x and h.
func readHead(br *bufio.Reader, x *exchange) (answerHead, error) {
	line, err := readLine(br)
	if err != nil {
		return answerHead{}, err
	}
	proto, rest, _ := bytes.Cut(line, []byte(" "))
	code, _, _ := bytes.Cut(rest, []byte(" "))
	n, err := strconv.Atoi(string(code))
	if err != nil || len(code) != 3 || !bytes.HasPrefix(proto, []byte("HTTP/1.")) {
		return answerHead{}, fmt.Errorf("malformed HTTP status line %q", line)
	}
	x.code = n
	h := answerHead{length: -1, keepAlive: string(proto) == "HTTP/1.1"}
	for {
		line, err := readLine(br)
		if err != nil {
			return h, err
		}
		if len(line) == 0 {
			return h, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return h, fmt.Errorf("malformed HTTP header line %q", line)
		}
		if err := h.header(x, name, bytes.TrimSpace(value)); err != nil {
			return h, err
		}
	}
}

// header takes in one header line, if it is one the storm reads.
func (h *answerHead) header(x *exchange, name, value []byte) error {
	switch {
	case bytes.EqualFold(name, []byte("Content-Length")):
		n, err := strconv.ParseInt(string(value), 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed Content-Length %q", value)
		}
		h.length = n
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		h.chunked = bytes.EqualFold(value, []byte("chunked"))
	case bytes.EqualFold(name, []byte("Connection")):
		if bytes.EqualFold(value, []byte("close")) {
			h.keepAlive = false
		} else if bytes.EqualFold(value, []byte("keep-alive")) {
			h.keepAlive = true
		}
	case bytes.EqualFold(name, []byte("Location")):
		x.location = string(value)
	case bytes.EqualFold(name, []byte("Retry-After")):
		x.retryAfter = string(value)
	}
	return nil
}

// maxHeadLine bounds one status or header line: a service that sends an
// endless line is answered with an error, not with the machine's memory.
const maxHeadLine = 64 << 10

// readLine reads one line without its CRLF. The slice is br's, valid
// until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// Longer than the buffer: keep reading, within maxHeadLine.
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(long) < maxHeadLine {
			line, err = br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// readBody reads n bytes of body from br, keeping the first x.keep in
// x.answer and discarding the rest in br's own buffer.
func readBody(br *bufio.Reader, n int64, x *exchange) error {
	if k := min(n, int64(x.keep)); k > 0 {
		x.answer = make([]byte, k)
		m, err := io.ReadFull(br, x.answer)
		x.answer, x.bytesIn = x.answer[:m], x.bytesIn+uint64(m)
		if err != nil {
			return unexpected(err)
		}
		n -= k
	}
	m, err := br.Discard(int(n))
	x.bytesIn += uint64(m)
	return unexpected(err)
}

// readStream reads a body that ends with its last chunk or with the
// connection, keeping the first x.keep bytes.
func readStream(r io.Reader, x *exchange) error {
	if x.keep > 0 {
		b, err := io.ReadAll(io.LimitReader(r, int64(x.keep)))
		x.answer, x.bytesIn = b, x.bytesIn+uint64(len(b))
		if err != nil {
			return err
		}
	}
	m, err := io.Copy(io.Discard, r)
	x.bytesIn += uint64(m)
	return err
}

// skipTrailer reads the trailer section after the last chunk, up to its
// empty line (the chunked reader stops before it).
func skipTrailer(br *bufio.Reader) error {
	for {
		line, err := readLine(br)
		if err != nil || len(line) == 0 {
			return unexpected(err)
		}
	}
}

// unexpected names a body cut short as such.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
