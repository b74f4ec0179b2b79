package wire

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// Client is the HTTP/1.1 client of the upload attempts. net/http's Transport
// runs three goroutines for each request in flight (the caller's and the
// connection's read and write loops) and hands every request between
// them: at 5,000 callers in flight that was 15,000 goroutines and most of
// the storm's memory, and at 9,000 attempts/s the hand-offs were most of
// its lag (docs/performance.md, "At the machine's limit"). An upload is one request to
// one host, so this client writes it and reads its answer on the attempt's
// own goroutine, with the caller's timeout as the connection's deadline,
// and keeps the connection for the next attempt when the answer allows.
// Status polls and verify reads keep net/http: they are few.
//
// What the service saw is what the report says: every request whose bytes
// left is an attempt. A kept connection is looked at before it is reused
// (wconn.closedByPeer) and dropped after idleTimeout; the only request
// sent twice is one whose first write on a reused connection failed
// before a byte left (Exchange.Resent, requests.resent in the report).
type Client struct {
	addr    string      // host:port dialled
	host    string      // the Host header
	prefix  string      // the target's path, before every request's ("" for none)
	tls     *tls.Config // an https target's; nil for http
	dialer  net.Dialer
	connect time.Duration // callers.connect_timeout

	mu      sync.Mutex
	idle    []*wconn // LIFO: the warmest connection first
	maxIdle int
	// idleTimeout is how long a kept connection waits for its next
	// request: defaultIdleTimeout, lowered to half the idle time after
	// which the service was seen to have closed one (learnIdle).
	idleTimeout time.Duration
}

// defaultIdleTimeout is how long a kept connection may wait for its next
// request when the service did not say (Keep-Alive: timeout=N): below
// the 5 s of Apache httpd and Node.js, so that rehearse closes an idle
// connection before a common service does and never writes into a close.
const defaultIdleTimeout = 4 * time.Second

// NewClient returns the client of a storm of n callers against base (http,
// or https with tc: TLSConfig's, or the system's roots for base's host
// when nil); connect bounds each dial.
func NewClient(base *url.URL, n int, connect time.Duration, tc *tls.Config) *Client {
	w := &Client{addr: net.JoinHostPort(base.Hostname(), PortOf(base)), host: base.Host, maxIdle: max(n, 2),
		idleTimeout: defaultIdleTimeout, prefix: strings.TrimRight(base.EscapedPath(), "/"), connect: connect,
		// No LocalAddr: binding 0.0.0.0 fails with thousands of TIME_WAIT sockets.
		dialer: net.Dialer{KeepAlive: 30 * time.Second}}
	if w.connect <= 0 {
		w.connect = scenarios.DefaultConnectTimeout
	}
	if base.Scheme == "https" {
		w.tls = tc
		if tc == nil {
			w.tls = &tls.Config{ServerName: base.Hostname(), NextProtos: []string{"http/1.1"},
				ClientSessionCache: tls.NewLRUClientSessionCache(max(n, 64))}
		}
	}
	return w
}

// TLSFor is the wire's TLS configuration for another host of the same
// storm (a redirect's): the same roots and session cache, that host's
// name; nil for http.
func (w *Client) TLSFor(host string) *tls.Config {
	if w.tls == nil {
		return nil
	}
	c := w.tls.Clone()
	c.ServerName = host
	return c
}

// Exchange is one attempt on the wire: the request to write, then what
// came back. It is the attempt goroutine's own, never shared.
type Exchange struct {
	// ctx is do's: its end stops the attempt at once (the run's stop).
	ctx       context.Context
	Req       *scenarios.Requests // the upload's method, path, headers and body
	Caller    int
	Try       int32
	Deadline  time.Time // the caller's timeout
	AnswerCap int       // answer body bytes to keep (api.completion: body)
	Head      bool      // a HEAD request: its answer has no body
	// A redirect's next request (redirect.go): its Method and absolute
	// Path instead of the template's; noBody sends it without a body.
	Method, Path string
	NoBody       bool
	How          *Sending // compressed, chunked, Expect: nil for the plain body (body.go)
	Cookie       string   // the caller's Cookie header (api.cookies), "" for none
	WantCookies  bool     // keep the answer's Set-Cookie lines in setCookies
	// Call, when set, is a login's or a step's request (flow.go): its
	// header lines and body instead of the upload template's; method and
	// path are then always set.
	Call *scenarios.Call
	// WantHeaders are answer headers to keep in gotHeaders (by index):
	// what a login or a step saves from a header.
	WantHeaders []string
	GotHeaders  []string

	Code       int
	Location   string        // the Location header, "" when none
	RetryAfter string        // the Retry-After header, "" when none
	IdleFor    time.Duration // Keep-Alive: timeout=N, 0 when none
	Answer     []byte        // the first keep bytes of the answer's body
	BytesIn    uint64
	BytesOut   uint64   // bytes that left, request line to body
	HeadLen    uint64   // of which the request line and headers
	Resent     bool     // written again on a new connection (Client.Do)
	SetCookies []string // the answer's Set-Cookie lines, when wantCookies
}

// URLOf is the URL of path (and query) on w's host: a cookie jar's key.
func (w *Client) URLOf(path string) *url.URL {
	scheme := "http"
	if w.tls != nil {
		scheme = "https"
	}
	u, err := url.Parse(scheme + "://" + w.host + path)
	if err != nil {
		return &url.URL{Scheme: scheme, Host: w.host, Path: "/"}
	}
	return u
}

// Prefix is the target's path, which every request's path begins with
// ("" for none).
func (w *Client) Prefix() string { return w.prefix }

// Addr is the host:port w dials.
func (w *Client) Addr() string { return w.addr }

// ConnectTimeout bounds each of w's dials (callers.connect_timeout).
func (w *Client) ConnectTimeout() time.Duration { return w.connect }

// aLongTimeAgo is a deadline in the past: setting it makes every blocked
// read and write of a connection return at once (the run's stop).
var aLongTimeAgo = time.Unix(1, 0)

// readBufs read answers; one is attached to a connection only while an
// answer is read, so an idle connection holds none.
var readBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}

// Do sends x and reads its answer. The end of ctx (the run's stop) ends
// it at once (the caller tells that apart by ctx). A request whose first
// write on a kept connection failed before any byte left is sent once
// more on a new connection: the service cannot have seen it.
func (w *Client) Do(ctx context.Context, x *Exchange) error {
	x.ctx = ctx
	c, reused, err := w.get(x)
	if err != nil {
		return err
	}
	keep, err := w.roundTrip(c, x)
	if reused && (errors.Is(err, errNotWritten) || errors.Is(err, errUnread)) &&
		ctx.Err() == nil && time.Now().Before(x.Deadline) {
		c.Close()
		if c, err = w.dial(x); err != nil {
			return err
		}
		x.Resent = true
		x.ClearAnswer()
		keep, err = w.roundTrip(c, x)
	}
	if !keep || err != nil {
		c.Close()
		return err
	}
	w.put(ctx, c, x.IdleFor)
	return nil
}

// roundTrip is one request and its answer on c, under x's context;
// keep says whether c may carry another request.
func (w *Client) roundTrip(c *wconn, x *Exchange) (keep bool, err error) {
	unhook := context.AfterFunc(x.ctx, c.stop)
	keep, err = w.exchange(c, x)
	return unhook() && keep, err
}

// BodyOut is the upload body's bytes that left (vegeta's BytesOut: the
// head not counted).
func (x *Exchange) BodyOut() uint64 { return x.BytesOut - min(x.BytesOut, x.HeadLen) }

// ClearAnswer forgets what was read of an answer before it is read anew.
func (x *Exchange) ClearAnswer() {
	x.Code, x.Location, x.RetryAfter, x.IdleFor, x.Answer, x.BytesIn, x.SetCookies = 0, "", "", 0, nil, 0, nil
	clear(x.GotHeaders)
}

// Header is the answer's first value of the Header name, "" when none:
// Location, or one of wantHeaders.
func (x *Exchange) Header(name string) string {
	if strings.EqualFold(name, "Location") {
		return x.Location
	}
	for i, h := range x.WantHeaders {
		if strings.EqualFold(h, name) {
			return x.GotHeaders[i]
		}
	}
	return ""
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

// exchange writes x on c and reads the answer: after the whole request,
// or as soon as one comes while the body is still being written (the
// rest is then not sent, and c not kept).
func (w *Client) exchange(c *wconn, x *Exchange) (keep bool, err error) {
	if err := w.setDeadline(x.ctx, c, deadlineBoth, x.Deadline); err != nil {
		return false, err
	}
	err = w.write(c, x)
	switch {
	case errors.Is(err, errAnswered):
		return false, nil
	case errors.Is(err, errAnsweredEarly):
		_, err = w.read(c, x)
		return false, err
	case err != nil:
		if x.BytesOut == 0 {
			return false, err
		}
		answered, alert := w.earlyAnswer(c, x)
		switch {
		case answered:
			return false, nil
		case alert != nil:
			return false, alert
		}
		return false, err
	}
	return w.read(c, x)
}

// read reads the answer to the request just written. An end of the
// connection before any byte of an answer is class conn_closed: the
// service read the request (or could have) and said nothing — unless its
// machine acknowledged none of it (errUnread).
func (w *Client) read(c *wconn, x *Exchange) (keep bool, err error) {
	br := reader(c)
	defer release(br)
	if _, err := br.Peek(1); err != nil {
		err = ClosedWithoutAnswer(err)
		if errors.Is(err, ErrClosed) && c.unacked(c.written-x.BytesOut) {
			return false, fmt.Errorf("%w: %w", errUnread, err)
		}
		return false, err
	}
	keep, err = readAnswer(br, x)
	return keep && br.Buffered() == 0, err
}

// earlyWait bounds the look for an answer the service sent before it
// stopped reading the request.
const earlyWait = 100 * time.Millisecond

// earlyAnswer reads the answer a service may have sent before it stopped
// reading the request and closed (a 413 for a body it will not take), as
// net/http does: the caller got that answer, not a reset. It reports
// whether x now holds one; the connection is not kept either way. A TLS
// alert read instead (a service that refused the client's certificate
// under TLS 1.3 says so after the handshake, while the body is being
// written) is returned: it, not the reset that followed, is what failed.
func (w *Client) earlyAnswer(c *wconn, x *Exchange) (answered bool, alert error) {
	if err := w.setDeadline(x.ctx, c, deadlineRead, minTime(x.Deadline, time.Now().Add(earlyWait))); err != nil {
		return false, nil
	}
	br := reader(c)
	defer release(br)
	// The status line is the answer; a body cut off by the service's
	// close does not unmake it.
	if _, err := readAnswer(br, x); x.Code == 0 {
		x.ClearAnswer()
		if err != nil && IsTLSError(err) {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Which of a connection's deadlines setDeadline sets.
const (
	deadlineBoth = iota
	deadlineRead
	deadlineWrite
)

// setDeadline sets c's read, write or both deadlines to t — unless ctx
// has ended (the run's stop): the stop's past deadline always wins,
// whichever came first (context.AfterFunc may run just before or just
// after this).
func (w *Client) setDeadline(ctx context.Context, c *wconn, which int, t time.Time) error {
	if ctx.Err() != nil {
		t = aLongTimeAgo
	}
	var err error
	switch which {
	case deadlineRead:
		err = c.SetReadDeadline(t)
	case deadlineWrite:
		err = c.SetWriteDeadline(t)
	default:
		err = c.SetDeadline(t)
	}
	if err == nil && ctx.Err() != nil {
		err = c.SetDeadline(aLongTimeAgo)
	}
	return err
}

// get returns a kept connection that is still open and not past its idle
// time, or a new one.
func (w *Client) get(x *Exchange) (c *wconn, reused bool, err error) {
	now := time.Now()
	for {
		w.mu.Lock()
		if n := len(w.idle); n > 0 {
			c = w.idle[n-1]
			w.idle[n-1] = nil
			w.idle = w.idle[:n-1]
		}
		w.mu.Unlock()
		if c == nil {
			break
		}
		if !now.Before(c.idleUntil) {
			c.Close()
			c = nil
			continue
		}
		if !c.closedByPeer() {
			return c, true, nil
		}
		w.learnIdle(now.Sub(c.idleSince))
		c.Close()
		c = nil
	}
	c, err = w.dial(x)
	return c, false, err
}

// dial opens a connection within callers.connect_timeout and the
// caller's timeout, whichever ends first: the first is class
// conn_timeout, the second the caller's timeout.
func (w *Client) dial(x *Exchange) (*wconn, error) {
	connectBy := time.Now().Add(w.connect)
	ctx, cancel := context.WithDeadline(x.ctx, minTime(x.Deadline, connectBy))
	defer cancel()
	conn, err := w.dialer.DialContext(ctx, "tcp", w.addr)
	if err == nil && w.tls != nil {
		tc := tls.Client(conn, w.tls)
		if err = tc.HandshakeContext(ctx); err != nil {
			conn.Close()
		}
		conn = tc
	}
	// The dialer's own deadline (ctx's) may fire before ctx says it is
	// done: an i/o timeout of the dial is the same deadline.
	var ne net.Error
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
	if err != nil && timedOut && x.ctx.Err() == nil {
		if connectBy.Before(x.Deadline) {
			return nil, fmt.Errorf("connect %s: no connection within %s: %w", w.addr, w.connect, ErrConnTimeout)
		}
		return nil, fmt.Errorf("caller timeout: dial %s: %w", w.addr, ErrTimeout)
	}
	if err != nil {
		return nil, err
	}
	return newWconn(conn), nil
}

// learnIdle lowers the wire's idle timeout below the service's, which
// closed a kept connection that had been idle for age (or less): a service
// that does not announce its idle timeout (Keep-Alive) still gets its
// connections closed by rehearse first, so that no request is written
// into the service's close.
//
// It learns no lower than minLearnedIdle: a service that crashes closes
// every connection it holds, some idle for a millisecond, and an idle
// timeout learnt from those would end keep-alive for the rest of the storm
// (a new connection, and a port in TIME_WAIT, for every attempt). Below
// that, the look before reuse and errUnread keep the counts exact.
func (w *Client) learnIdle(age time.Duration) {
	w.mu.Lock()
	w.idleTimeout = max(min(w.idleTimeout, age/2), minLearnedIdle)
	w.mu.Unlock()
}

// minLearnedIdle is the lowest idle timeout learnIdle sets.
const minLearnedIdle = 100 * time.Millisecond

// put keeps c for the next attempt, until the service's idle time (the
// answer's Keep-Alive: timeout, less a margin) or the wire's idle
// timeout, or closes it when enough are kept or ctx has ended.
func (w *Client) put(ctx context.Context, c *wconn, serviceIdle time.Duration) {
	_ = c.SetDeadline(time.Time{})
	w.mu.Lock()
	idle := w.idleTimeout
	if serviceIdle > 0 {
		idle = min(idle, serviceIdle*3/4)
	}
	c.idleSince = time.Now()
	c.idleUntil = c.idleSince.Add(idle)
	if len(w.idle) < w.maxIdle && ctx.Err() == nil {
		w.idle = append(w.idle, c)
		c = nil
	}
	w.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// CloseIdle closes every kept connection (the storm's end).
func (w *Client) CloseIdle() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}
