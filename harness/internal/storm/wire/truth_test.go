package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
)

// TestWireEarlyAnswerWhileWriting: a service that answers 401 after the
// head of a 20 MB upload and stops reading without closing. The attempt
// ends with the 401 when it comes, not at the caller's timeout, and most
// of the body is never sent.
func TestWireEarlyAnswerWhileWriting(t *testing.T) {
	addr, _ := stalledService(t, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
	sc := scenario(t, "http://"+addr, "callers: {count: 1, records: 100000, record_bytes: 200}\n")
	w := newTestWire(t, addr, 1)
	big := harnesstest.Requests(t, sc)
	x := Exchange{Req: big, Caller: 0, Try: 1, Deadline: time.Now().Add(20 * time.Second)}
	began := time.Now()
	if err := w.Do(t.Context(), &x); err != nil || x.Code != 401 {
		t.Fatalf("got %d %v, want the 401", x.Code, err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("the 401 was read after %s: it waited for the timeout", took)
	}
	if full := uint64(big.BodyLen(0, 1)); x.BytesOut >= full {
		t.Fatalf("sent %d of %d bytes: the rest of the body should not go after the answer", x.BytesOut, full)
	}
}

// TestWireStopWinsOverDeadlines: the run's stop ends an attempt that is
// blocked writing to a service that does not read, whatever deadline
// the write loop sets after the stop.
func TestWireStopWinsOverDeadlines(t *testing.T) {
	addr, started := stalledService(t, "")
	sc := scenario(t, "http://"+addr, "callers: {count: 1, records: 100000, record_bytes: 200}\n")
	w := newTestWire(t, addr, 1)
	ctx, stop := context.WithCancel(t.Context())
	x := Exchange{Req: harnesstest.Requests(t, sc), Caller: 0, Try: 1, Deadline: time.Now().Add(time.Minute)}
	done := make(chan error, 1)
	go func() { done <- w.Do(ctx, &x) }()
	<-started
	stop()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a stopped attempt succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run's stop did not end the attempt")
	}
}

// TestWireUnreadIsNotWritten: a request written into a kept connection
// the service had just closed (the close crossing the request on the
// wire) met the connection's end, yet the service's machine acknowledged
// none of it: the wire says so (errUnread), so that do sends it again
// rather than failing the caller for a request the service never saw.
func TestWireUnreadIsNotWritten(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	srv := newRawServer(t, []string{ok}, []bool{true})
	w := newTestWire(t, srv.ln.Addr().String(), 1)
	req := wireRequests(t, "")
	x := Exchange{Req: req, Caller: 0, Try: 1, Deadline: time.Now().Add(5 * time.Second)}
	if err := w.Do(t.Context(), &x); err != nil || x.Code != 200 {
		t.Fatalf("first attempt: %d %v", x.Code, err)
	}
	waitClosedByPeer(t, w)
	c := w.idle[0] // past the check get makes: written into the close
	x = Exchange{ctx: t.Context(), Req: req, Caller: 1, Try: 1, Deadline: time.Now().Add(5 * time.Second)}
	if _, err := w.roundTrip(c, &x); !errors.Is(err, errUnread) {
		t.Fatalf("got %v, want errUnread", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.requests) != 1 {
		t.Fatalf("the service read %d requests, want 1", len(srv.requests))
	}
}

// TestWireTLSResumes: a caller that reconnects to an https target resumes
// its TLS session instead of a full handshake.
func TestWireTLSResumes(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Connection", "close") // every attempt on a new connection
	}))
	srv.StartTLS()
	defer srv.Close()
	w := trustingClient(t, srv, 2)
	req := wireRequests(t, "")
	var resumed int
	for i := range 3 {
		x := Exchange{ctx: t.Context(), Req: req, Caller: i, Try: 1, Deadline: time.Now().Add(5 * time.Second)}
		c, err := w.dial(&x)
		if err != nil {
			t.Fatal(err)
		}
		if c.Conn.(*tls.Conn).ConnectionState().DidResume {
			resumed++
		}
		if _, err := w.roundTrip(c, &x); err != nil || x.Code != 200 {
			t.Fatalf("attempt %d: %d %v", i, x.Code, err)
		}
		c.Close()
	}
	if resumed != 2 {
		t.Fatalf("%d of 3 connections resumed their session, want the 2 after the first", resumed)
	}
}

// stalledService accepts one connection, reads the first bytes of its
// request, writes answer (if any) and then reads nothing more until the
// test ends: a writer to it fills the socket and blocks. started closes
// once the first bytes were read.
func stalledService(t *testing.T, answer string) (addr string, started <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release, begun := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(release); ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Read(make([]byte, 4096))
		_, _ = io.WriteString(c, answer)
		close(begun)
		<-release
	}()
	return ln.Addr().String(), begun
}

// TestLearnIdle: a close seen after an idle time lowers the wire's idle
// timeout to half of it, never below minLearnedIdle (a crash closes
// connections idle for a millisecond: that is no idle timeout to learn).
func TestLearnIdle(t *testing.T) {
	w := newTestWire(t, "127.0.0.1:1", 1)
	for _, c := range []struct{ age, want time.Duration }{
		{10 * time.Second, defaultIdleTimeout},
		{time.Second, 500 * time.Millisecond},
		{2 * time.Millisecond, minLearnedIdle},
		{time.Second, minLearnedIdle}, // it only ever goes down
	} {
		w.learnIdle(c.age)
		if w.idleTimeout != c.want {
			t.Fatalf("after a close at %s idle: %s, want %s", c.age, w.idleTimeout, c.want)
		}
	}
}
