package wire

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// wconn is a connection of the wire with what the wire knows of it: the
// socket beneath (to look at it without reading) and until when it may be
// reused.
type wconn struct {
	net.Conn
	raw       syscall.RawConn // the TCP socket's; nil when there is none to look at
	plain     bool            // no TLS: bytes on the socket are the service's answer
	idleSince time.Time       // when it was last kept
	idleUntil time.Time       // when it is closed rather than reused
	written   uint64          // bytes written on it so far, every request's

	// peek's result; peekFn is peek as a method value, made once so that
	// looking at the socket does not allocate.
	peekFn  func(fd uintptr) bool
	peekN   int
	peekErr error
	peekBuf [1]byte
}

func newWconn(conn net.Conn) *wconn {
	c := &wconn{Conn: conn}
	tcp, plain := conn.(*net.TCPConn)
	if tc, ok := conn.(*tls.Conn); ok {
		tcp, _ = tc.NetConn().(*net.TCPConn)
	}
	c.plain = plain
	if tcp != nil {
		if raw, err := tcp.SyscallConn(); err == nil {
			c.raw = raw
			c.peekFn = c.peek
		}
	}
	return c
}

// unacked reports whether the service's machine acknowledged none of the
// bytes written on c after the first since bytes: then the service cannot
// have read any of them. It asks the kernel (TCP_INFO's bytes_acked), on
// a plain connection only (TLS writes more than the request); false when
// it cannot tell.
func (c *wconn) unacked(since uint64) bool {
	if !c.plain || c.raw == nil {
		return false
	}
	var acked uint64
	var err error
	if cerr := c.raw.Control(func(fd uintptr) {
		var info *unix.TCPInfo
		if info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			acked = info.Bytes_acked
		}
	}); cerr != nil || err != nil {
		return false
	}
	// The SYN counts one in bytes_acked.
	return acked <= since+1
}

// stop ends c's blocked reads and writes at once (the run's stop).
func (c *wconn) stop() { _ = c.SetDeadline(aLongTimeAgo) }

// peek looks at the socket without taking a byte and without waiting.
func (c *wconn) peek(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), c.peekBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	c.peekN, c.peekErr = n, err
	return true
}

// pending reports whether the socket has something to read: bytes, or
// the service's close (an end of stream or an error).
func (c *wconn) pending() bool {
	if c.raw == nil {
		return false
	}
	if err := c.raw.Read(c.peekFn); err != nil {
		return true
	}
	return !errors.Is(c.peekErr, syscall.EAGAIN)
}

// closedByPeer reports whether a kept connection can no longer carry a
// request: the service closed it (or reset it) while it was idle, or sent
// bytes nobody asked for. net/http learns this from a read loop per
// connection; the wire looks once, before reuse.
func (c *wconn) closedByPeer() bool { return c.pending() }

// answerWaiting reports whether an answer (or the service's close) came
// while the request is still being written. Only a plain connection can
// tell: on TLS, the service's session tickets are bytes on the socket too.
func (c *wconn) answerWaiting() bool { return c.plain && c.pending() }
