package wire

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// writeBufs hold a request's head and the first bytes of its body, so that
// a small upload leaves in one write; a large one streams through it.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// earlySlice is how long one write of a large body may block before the
// wire looks whether the service has answered already (a 413 or 401 sent
// while it stopped reading): the answer is then read at once, at its own
// time, and the rest of the body is not sent.
const earlySlice = 20 * time.Millisecond

// write sends x's request line, headers and body, the body streamed from
// the population (scenarios.Requests renders all four). The target's path
// goes before the request's. A template's own User-Agent replaces
// rehearse's. It returns errAnsweredEarly when an answer came first,
// errNotWritten (wrapped) when the first write failed before any byte
// left.
func (w *Client) write(c *wconn, x *Exchange) error {
	bp := writeBufs.Get().(*[]byte)
	defer writeBufs.Put(bp)
	if x.Call != nil {
		return w.writeCall(c, x, bp)
	}
	bodyLen := x.Req.BodyLen(x.Caller, x.Try)
	if x.NoBody {
		bodyLen = 0
	}
	b := append((*bp)[:0], x.Req.Method()...)
	if x.Method != "" {
		b = append(b[:0], x.Method...)
	}
	if b = append(b, ' '); x.Path != "" {
		b = append(b, x.Path...)
	} else {
		b = append(append(b, w.prefix...), x.Req.Path(x.Caller, x.Try)...)
	}
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(append(b, w.host...), "\r\n"...)
	if !x.Req.SetsUserAgent() {
		b = append(b, "User-Agent: rehearse\r\n"...)
	}
	if x.How != nil {
		x.BytesOut = 0
		err := w.writeFramed(c, x, b, bodyLen)
		*bp = (*bp)[:0]
		return err
	}
	b = strconv.AppendInt(append(b, "Content-Length: "...), bodyLen, 10)
	b, err := x.Req.AppendHeader(append(b, "\r\n"...), x.Caller, x.Try)
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	b = append(appendCookie(b, x.Cookie), "\r\n"...)
	x.BytesOut, x.HeadLen = 0, uint64(len(b))
	body := x.Req.Body(x.Caller, x.Try)
	if x.NoBody {
		body = eofReader{}
	}
	return w.stream(c, x, bp, b, body, bodyLen)
}

// writeCall sends a login's or a step's request (x.call): its method and
// path in x, its own header lines and body.
func (w *Client) writeCall(c *wconn, x *Exchange, bp *[]byte) error {
	call := x.Call
	b := append(append(append((*bp)[:0], x.Method...), ' '), x.Path...)
	b = append(append(append(b, " HTTP/1.1\r\nHost: "...), w.host...), "\r\n"...)
	if !call.SetsUserAgent {
		b = append(b, "User-Agent: rehearse\r\n"...)
	}
	var body io.Reader = eofReader{}
	bodyLen := call.BodyLen
	if call.Body != nil && !x.NoBody {
		body = call.Body()
	} else {
		bodyLen = 0
	}
	if bodyLen > 0 || x.Method == "POST" || x.Method == "PUT" || x.Method == "PATCH" {
		b = strconv.AppendInt(append(b, "Content-Length: "...), bodyLen, 10)
		b = append(b, "\r\n"...)
	}
	b = append(appendCookie(append(b, call.Header...), x.Cookie), "\r\n"...)
	x.BytesOut, x.HeadLen = 0, uint64(len(b))
	return w.stream(c, x, bp, b, body, bodyLen)
}

// stream sends the head in b, then body's bodyLen bytes, through the
// pooled buffer bp.
func (w *Client) stream(c *wconn, x *Exchange, bp *[]byte, b []byte, body io.Reader, bodyLen int64) error {
	var sent int64
	for {
		if len(b) == cap(b) {
			if err := w.send(c, x, b); err != nil {
				return err
			}
			b = b[:0]
		}
		n, err := body.Read(b[len(b):cap(b)])
		b, sent = b[:len(b)+n], sent+int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("storm: read the upload body: %w", err)
		}
	}
	if sent != bodyLen {
		return fmt.Errorf("storm: the upload body is %d bytes, its Content-Length %d", sent, bodyLen)
	}
	*bp = b[:0]
	return w.send(c, x, b)
}

// send writes b on c, counting what left in x.bytesOut. Once part of the
// request has left, it looks before each write whether the service
// answered already, and on a plain connection it writes in slices of
// earlySlice so that a service that stopped reading is noticed too.
func (w *Client) send(c *wconn, x *Exchange, b []byte) error {
	for len(b) > 0 {
		sliced := false
		if x.BytesOut > 0 && c.plain {
			if c.answerWaiting() {
				return errAnsweredEarly
			}
			if next := time.Now().Add(earlySlice); next.Before(x.Deadline) {
				if err := w.setDeadline(x.ctx, c, deadlineWrite, next); err != nil {
					return err
				}
				sliced = true
			}
		}
		n, err := c.Write(b)
		x.BytesOut += uint64(n)
		c.written += uint64(n)
		b = b[n:]
		if sliced {
			if err := w.setDeadline(x.ctx, c, deadlineWrite, x.Deadline); err != nil {
				return err
			}
		}
		switch {
		case err == nil:
		case sliced && errors.Is(err, os.ErrDeadlineExceeded) && x.ctx.Err() == nil:
			// The slice ran out, not the caller's time: look again.
		case x.BytesOut == 0:
			return fmt.Errorf("%w: %w", errNotWritten, err)
		default:
			return err
		}
	}
	return nil
}

// eofReader is an empty body.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// appendCookie appends the caller's Cookie header, when it has cookies.
func appendCookie(b []byte, cookie string) []byte {
	if cookie == "" {
		return b
	}
	return append(append(append(b, "Cookie: "...), cookie...), "\r\n"...)
}
