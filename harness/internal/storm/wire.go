package storm

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// wire is the HTTP/1.1 client of the upload attempts. net/http's Transport
// runs three goroutines for each request in flight (the caller's and the
// connection's read and write loops) and hands every request between
// them: at 5,000 callers in flight that was 15,000 goroutines and most of
// the storm's memory, and at 9,000 attempts/s the hand-offs were most of
// its lag (README, "At the machine's limit"). An upload is one request to
// one host, so this client writes it and reads its answer on the attempt's
// own goroutine, with the caller's timeout as the connection's deadline,
// and keeps the connection for the next attempt when the answer allows.
// Status polls and verify reads keep net/http: they are few.
type wire struct {
	addr   string          // host:port dialled
	host   string          // the Host header
	tls    *tls.Config     // an https target's; nil for http
	runCtx context.Context // the run's (set when it begins): its end stops every attempt
	dialer net.Dialer

	mu      sync.Mutex
	idle    []net.Conn // LIFO: the warmest connection first
	maxIdle int
}

// newWire returns the client of a storm of n callers against base's host
// (http, or https with the system's roots).
func newWire(base *url.URL, n int) *wire {
	port := base.Port()
	if port == "" {
		port = map[bool]string{true: "443", false: "80"}[base.Scheme == "https"]
	}
	w := &wire{addr: net.JoinHostPort(base.Hostname(), port), host: base.Host, maxIdle: max(n, 2),
		// No LocalAddr: binding 0.0.0.0 fails with thousands of TIME_WAIT sockets.
		dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
	if base.Scheme == "https" {
		w.tls = &tls.Config{ServerName: base.Hostname(), NextProtos: []string{"http/1.1"}}
	}
	return w
}

// exchange is one attempt on the wire: the request to write, then what
// came back. It is the attempt goroutine's own, never shared.
type exchange struct {
	req      *scenarios.Requests // the upload's method, path, headers and body
	caller   int
	try      int32
	deadline time.Time // the caller's timeout
	keep     int       // answer bytes to keep (api.completion: body)

	code       int
	location   string // the Location header, "" when none
	retryAfter string // the Retry-After header, "" when none
	answer     []byte // the first keep bytes of the answer's body
	bytesIn    uint64 // the answer's body bytes read
	bytesOut   uint64 // the upload body's bytes written (send)
}

// aLongTimeAgo is a deadline in the past: setting it makes every blocked
// read and write of a connection return at once (the run's stop).
var aLongTimeAgo = time.Unix(1, 0)

// writeBufs hold a request's head and the first bytes of its body, so that
// a small upload leaves in one write; a large one streams through it.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// readBufs read answers; one is attached to a connection only while an
// answer is read, so an idle connection holds none.
var readBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}

// do sends x and reads its answer. The run's stop ends it at once (the
// caller tells that apart by the run's context). A request on a kept
// connection that the service had already closed is sent once more on a
// new one, as net/http does: the service never saw the first.
func (w *wire) do(x *exchange) error {
	conn, reused, err := w.get(x.deadline)
	if err != nil {
		return err
	}
	stop := w.stopWithRun(conn)
	keepConn, sent, err := w.exchange(conn, x)
	if err != nil && reused && !sent && w.runCtx.Err() == nil && time.Now().Before(x.deadline) {
		stop()
		conn.Close()
		if conn, err = w.dial(x.deadline); err != nil {
			return err
		}
		stop = w.stopWithRun(conn)
		x.clearAnswer()
		keepConn, _, err = w.exchange(conn, x)
	}
	if !stop() || !keepConn || err != nil {
		conn.Close()
		return err
	}
	w.put(conn)
	return nil
}

// stopWithRun ends conn's reads and writes when the run stops; the
// returned func unhooks it and reports false when the run stopped first.
func (w *wire) stopWithRun(conn net.Conn) func() bool {
	return context.AfterFunc(w.runCtx, func() { _ = conn.SetDeadline(aLongTimeAgo) })
}

// clearAnswer forgets what was read of an answer before it is read anew.
func (x *exchange) clearAnswer() {
	x.code, x.location, x.retryAfter, x.answer, x.bytesIn = 0, "", "", nil, 0
}

// reader attaches a pooled reader to conn for one answer; release
// returns it.
func reader(conn net.Conn) *bufio.Reader {
	br := readBufs.Get().(*bufio.Reader)
	br.Reset(conn)
	return br
}

func release(br *bufio.Reader) {
	br.Reset(nil)
	readBufs.Put(br)
}

// exchange writes x on conn and reads the answer. sent says whether any
// byte of an answer came back (before that, a failure on a kept
// connection is the stale connection's, not the service's answer);
// keep whether conn may carry another request.
func (w *wire) exchange(conn net.Conn, x *exchange) (keep, sent bool, err error) {
	if err := conn.SetDeadline(x.deadline); err != nil {
		return false, false, err
	}
	if err := w.write(conn, x); err != nil {
		if earlyAnswer(conn, x) {
			return false, true, nil
		}
		return false, false, err
	}
	br := reader(conn)
	defer release(br)
	if _, err := br.Peek(1); err != nil {
		return false, false, err
	}
	keep, err = readAnswer(br, x)
	return keep && br.Buffered() == 0, true, err
}

// earlyWait bounds the look for an answer the service sent before it
// stopped reading the request.
const earlyWait = 100 * time.Millisecond

// earlyAnswer reads the answer a service may have sent before it stopped
// reading the request and closed (a 413 for a body it will not take), as
// net/http does: the caller got that answer, not a reset. It reports
// whether x now holds one; the connection is not kept either way.
func earlyAnswer(conn net.Conn, x *exchange) bool {
	if err := conn.SetReadDeadline(minTime(x.deadline, time.Now().Add(earlyWait))); err != nil {
		return false
	}
	br := reader(conn)
	defer release(br)
	// The status line is the answer; a body cut off by the service's
	// close does not unmake it.
	if _, _ = readAnswer(br, x); x.code == 0 {
		x.clearAnswer()
		return false
	}
	return true
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// write sends x's request line, headers and body, the body streamed
// from the population (scenarios.Requests renders all four).
func (w *wire) write(conn net.Conn, x *exchange) error {
	bp := writeBufs.Get().(*[]byte)
	defer writeBufs.Put(bp)
	bodyLen := x.req.BodyLen(x.caller, x.try)
	b := append((*bp)[:0], x.req.Method()...)
	b = append(append(append(b, ' '), x.req.Path(x.caller, x.try)...), " HTTP/1.1\r\nHost: "...)
	b = append(append(b, w.host...), "\r\nUser-Agent: rehearse\r\nContent-Length: "...)
	b = strconv.AppendInt(b, bodyLen, 10)
	b, err := x.req.AppendHeader(append(b, "\r\n"...), x.caller, x.try)
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	b = append(b, "\r\n"...)
	head := len(b)
	x.bytesOut = 0
	body := x.req.Body(x.caller, x.try)
	var sent int64
	for {
		if len(b) == cap(b) {
			if err := send(conn, b, &head, x); err != nil {
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
	if len(b) > 0 {
		return send(conn, b, &head, x)
	}
	return nil
}

// send writes b, whose first *head bytes are what is left of the
// request's head, and adds the body bytes that left to x.bytesOut: the
// body alone, as vegeta counts a request's bytes out, and only what the
// connection took, so a failed write counts what left before it failed.
func send(conn net.Conn, b []byte, head *int, x *exchange) error {
	n, err := conn.Write(b)
	x.bytesOut += uint64(max(n-*head, 0))
	*head = max(*head-n, 0)
	return err
}

// get returns an idle connection, or a new one.
func (w *wire) get(deadline time.Time) (conn net.Conn, reused bool, err error) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		conn = w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
	}
	w.mu.Unlock()
	if conn != nil {
		return conn, true, nil
	}
	conn, err = w.dial(deadline)
	return conn, false, err
}

// dial opens a connection by deadline (the caller's timeout).
func (w *wire) dial(deadline time.Time) (net.Conn, error) {
	ctx, cancel := context.WithDeadline(w.runCtx, deadline)
	defer cancel()
	conn, err := w.dialer.DialContext(ctx, "tcp", w.addr)
	if err == nil && w.tls != nil {
		tc := tls.Client(conn, w.tls)
		if err = tc.HandshakeContext(ctx); err != nil {
			conn.Close()
		}
		conn = tc
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && w.runCtx.Err() == nil {
		return nil, fmt.Errorf("caller timeout: dial %s: %w", w.addr, errTimeout)
	}
	if err != nil {
		return nil, err
	}
	return conn, nil
}

// put keeps conn for the next attempt, or closes it when enough are kept.
func (w *wire) put(conn net.Conn) {
	_ = conn.SetDeadline(time.Time{})
	w.mu.Lock()
	if len(w.idle) < w.maxIdle && w.runCtx.Err() == nil {
		w.idle = append(w.idle, conn)
		conn = nil
	}
	w.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// closeIdle closes every kept connection (the storm's end).
func (w *wire) closeIdle() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// errTimeout is the caller's timeout, however the wire met it.
var errTimeout = errors.New("deadline exceeded")
