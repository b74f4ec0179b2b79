package wire

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// Sending is how a storm's uploads go on the wire beyond the plain
// Content-Length body: api.upload.body.compress, .chunked and
// api.upload.expect_continue. nil (the common case) is the plain path of
// write.
type Sending struct {
	gzip, chunked bool
	upload        scenarios.Upload // for Expects
}

// NewSending is sc's way of sending, nil when it is the plain one.
func NewSending(sc *scenarios.Scenario) *Sending {
	up := sc.API.Upload
	s := &Sending{gzip: up.Body.Compress == "gzip", chunked: up.Body.Chunked, upload: up}
	if !s.gzip && !s.chunked && (up.ExpectContinue == "" || up.ExpectContinue == scenarios.ExpectNever) {
		return nil
	}
	return s
}

// continueWait is how long an upload that asked (Expect: 100-continue)
// waits for the service's 100 before it sends its body anyway, as curl.
const continueWait = time.Second

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// writeFramed sends x's request the way x.how says: head is the request
// line and the Host and User-Agent headers already in the buffer. A
// gzipped body with a length is compressed first (its length is the
// compressed one); a chunked body streams, compressed on the way when
// asked. It returns errAnswered when the service answered before the body
// was asked for (x holds the answer).
func (w *Client) writeFramed(c *wconn, x *Exchange, b []byte, bodyLen int64) error {
	src := x.Req.Body(x.Caller, x.Try)
	if x.NoBody {
		src, bodyLen = eofReader{}, 0
	}
	if x.How.gzip && !x.How.chunked && !x.NoBody {
		var zb bytes.Buffer
		if err := gzipTo(&zb, src); err != nil {
			return err
		}
		src, bodyLen = &zb, int64(zb.Len())
	}
	if x.How.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	} else {
		b = strconv.AppendInt(append(b, "Content-Length: "...), bodyLen, 10)
		b = append(b, "\r\n"...)
	}
	if x.How.gzip && !x.NoBody {
		b = append(b, "Content-Encoding: gzip\r\n"...)
	}
	expect := !x.NoBody && x.How.upload.Expects(bodyLen)
	if expect {
		b = append(b, "Expect: 100-continue\r\n"...)
	}
	b, err := x.Req.AppendHeader(b, x.Caller, x.Try)
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	b = append(appendCookie(b, x.Cookie), "\r\n"...)
	x.HeadLen = uint64(len(b))
	if err := w.send(c, x, b); err != nil {
		return err
	}
	if expect {
		answered, err := w.awaitContinue(c, x)
		switch {
		case err != nil:
			return err
		case answered:
			return errAnswered
		}
	}
	return w.sendBody(c, x, src)
}

// gzipTo compresses src into dst.
func gzipTo(dst io.Writer, src io.Reader) error {
	gz := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(gz)
	gz.Reset(dst)
	if _, err := io.Copy(gz, src); err != nil {
		return fmt.Errorf("storm: compress the upload body: %w", err)
	}
	return gz.Close()
}

// sendBody streams src to c: as it is, or in chunks (compressed on the
// way when asked), ending with the last chunk.
func (w *Client) sendBody(c *wconn, x *Exchange, src io.Reader) error {
	if !x.How.chunked {
		bp := writeBufs.Get().(*[]byte)
		defer writeBufs.Put(bp)
		buf := (*bp)[:cap(*bp)]
		for {
			n, err := src.Read(buf)
			if n > 0 {
				if err := w.send(c, x, buf[:n]); err != nil {
					return err
				}
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("storm: read the upload body: %w", err)
			}
		}
	}
	cw := &chunkWriter{w: w, c: c, x: x}
	if x.How.gzip && !x.NoBody {
		if err := gzipTo(cw, src); err != nil {
			return err
		}
	} else if _, err := io.Copy(cw, src); err != nil {
		return err
	}
	return w.send(c, x, []byte("0\r\n\r\n"))
}

// chunkWriter frames what is written to it as one chunk per Write.
type chunkWriter struct {
	w     *Client
	c     *wconn
	x     *Exchange
	frame []byte
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	cw.frame = strconv.AppendInt(cw.frame[:0], int64(len(p)), 16)
	cw.frame = append(append(append(cw.frame, "\r\n"...), p...), "\r\n"...)
	if err := cw.w.send(cw.c, cw.x, cw.frame); err != nil {
		return 0, err
	}
	return len(p), nil
}

// awaitContinue waits up to continueWait for the service's 100 Continue.
// A final answer instead is the attempt's answer, read whole (answered);
// no answer in time sends the body anyway, as curl does.
func (w *Client) awaitContinue(c *wconn, x *Exchange) (answered bool, err error) {
	if err := w.setDeadline(x.ctx, c, deadlineRead, minTime(x.Deadline, time.Now().Add(continueWait))); err != nil {
		return false, err
	}
	br := reader(c)
	defer release(br)
	if _, err := br.Peek(1); err != nil {
		if isTimeoutErr(err) && time.Now().Before(x.Deadline) && x.ctx.Err() == nil {
			return false, w.setDeadline(x.ctx, c, deadlineRead, x.Deadline)
		}
		return false, ClosedWithoutAnswer(err)
	}
	budget := maxHeadBytes
	for {
		h, err := readHead(br, x, &budget)
		if err != nil {
			return false, err
		}
		switch {
		case x.Code == 100:
			return false, w.setDeadline(x.ctx, c, deadlineRead, x.Deadline)
		case x.Code > 100 && x.Code < 200 && x.Code != 101:
			continue // 103 Early Hints and the like
		}
		_, err = readAnswerBody(br, x, h)
		return true, err
	}
}
