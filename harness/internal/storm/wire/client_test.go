package wire

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// rawServer answers each request on a connection with the next of its
// scripted answers, written byte for byte, after reading the request with
// net/http's own parser: it knows every request it was sent, whole, and
// every connection it accepted. After an answer it closes the connection
// when close says so for that answer.
type rawServer struct {
	t       *testing.T
	ln      net.Listener
	answers []string
	close   []bool

	mu       sync.Mutex
	next     int
	conns    int
	requests []*http.Request
	bodies   [][]byte
}

func newRawServer(t *testing.T, answers []string, close []bool) *rawServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{t: t, ln: ln, answers: answers, close: close}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

func (s *rawServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		go s.conn(c)
	}
}

func (s *rawServer) conn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		s.mu.Lock()
		i := s.next
		s.next++
		s.requests = append(s.requests, req)
		s.bodies = append(s.bodies, body)
		s.mu.Unlock()
		if i >= len(s.answers) {
			return
		}
		if _, err := io.WriteString(c, s.answers[i]); err != nil || (i < len(s.close) && s.close[i]) {
			return
		}
	}
}

// wireRequests compiles a scenario's upload for the wire tests.
func wireRequests(t *testing.T, api string) *scenarios.Requests {
	t.Helper()
	t.Setenv("TOKEN", "s3cret") // read by validation; NewRequests is handed it below
	sc, err := scenarios.Parse("w.yaml", []byte("name: w\nseed: 3\nsut: {url: \"http://127.0.0.1:1\"}\n"+
		"callers: {count: 4, records: 3, record_bytes: 50, timeout: 5s}\narrival: {profile: burst, window: 1s}\n"+api))
	if err != nil {
		t.Fatal(err)
	}
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		t.Fatal(err)
	}
	req, err := scenarios.NewRequests(sc, pop, func(string) (string, bool) { return "s3cret", true })
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func newTestWire(t *testing.T, addr string, n int) *Client {
	u, err := url.Parse("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	w := NewClient(u, n, 0, nil)
	return w
}

// TestWireAnswers sends one attempt per answer shape and checks what the
// wire read of it, that the service received the request whole (its
// parser agrees on method, path, Host, Content-Length, headers and the
// body byte for byte), and which answers let the connection be kept.
func TestWireAnswers(t *testing.T) {
	const long = "abcdefghij"
	cases := []struct {
		name, answer    string
		keep            int
		code            int
		location, retry string
		kept            string
		reuse           bool
		in              uint64 // the answer's body bytes
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 200, "", "", "", true, 5},
		{"kept body", "HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\n" + long, 4, 201, "", "", "abcd", true, 10},
		{"chunked", "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\nLocation: /v1/uploads/7\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", 64, 202, "/v1/uploads/7", "", "abcdefg", true, 7},
		{"retry-after, close", "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0, 503, "", "2", "", false, 0},
		{"100 continue first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 0, 204, "", "", "", true, 0},
		{"1.0 without length", "HTTP/1.0 200 OK\r\n\r\nto the end", 64, 200, "", "", "to the end", false, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newRawServer(t, []string{c.answer, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}, []bool{c.name == "1.0 without length"})
			w := newTestWire(t, srv.ln.Addr().String(), 4)
			req := wireRequests(t, "api:\n  upload:\n    path: \"/in/{caller}\"\n    headers: {Authorization: \"Bearer ${TOKEN}\"}\n")
			x := Exchange{Req: req, Caller: 2, Try: 1, AnswerCap: c.keep, Deadline: time.Now().Add(5 * time.Second)}
			if err := w.Do(t.Context(), &x); err != nil {
				t.Fatal(err)
			}
			if x.Code != c.code || x.Location != c.location || x.RetryAfter != c.retry || string(x.Answer) != c.kept {
				t.Errorf("read %d %q %q %q; want %d %q %q %q", x.Code, x.Location, x.RetryAfter, x.Answer, c.code, c.location, c.retry, c.kept)
			}
			y := Exchange{Req: req, Caller: 3, Try: 2, Deadline: time.Now().Add(5 * time.Second)}
			if err := w.Do(t.Context(), &y); err != nil || y.Code != 200 {
				t.Fatalf("second attempt: %d %v", y.Code, err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if reused := srv.conns == 1; reused != c.reuse {
				t.Errorf("%d connections for 2 attempts: reuse %v, want %v", srv.conns, reused, c.reuse)
			}
			checkReceived(t, req, srv.requests[0], srv.bodies[0], 2, 1)
			// Bytes as vegeta counts them: the bodies, heads left out.
			if x.BodyOut() != uint64(len(srv.bodies[0])) || x.BytesIn != c.in {
				t.Errorf("bytes out %d in %d; the service read %d body bytes, answered %d", x.BodyOut(), x.BytesIn, len(srv.bodies[0]), c.in)
			}
			checkReceived(t, req, srv.requests[1], srv.bodies[1], 3, 2)
		})
	}
}

// checkReceived compares what the service parsed with what the scenario
// renders for caller's try.
func checkReceived(t *testing.T, req *scenarios.Requests, got *http.Request, body []byte, caller int, try int32) {
	t.Helper()
	var want bytes.Buffer
	if _, err := io.Copy(&want, req.Body(caller, try)); err != nil {
		t.Fatal(err)
	}
	if got.Method != req.Method() || got.URL.RequestURI() != req.Path(caller, try) || got.ContentLength != req.BodyLen(caller, try) ||
		!bytes.Equal(body, want.Bytes()) || got.Header.Get("Authorization") != "Bearer s3cret" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("caller %d received %s %s, length %d, %d body bytes (equal %v), headers %v",
			caller, got.Method, got.URL, got.ContentLength, len(body), bytes.Equal(body, want.Bytes()), got.Header)
	}
}

// TestWireStaleConnection: the service closes a kept connection between
// two attempts (its idle timeout, a restart). The wire sees the close
// before it reuses the connection and sends the second attempt on a new
// one: the service sees it exactly once, and nothing is resent.
func TestWireStaleConnection(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	srv := newRawServer(t, []string{ok, ok}, []bool{true})
	w := newTestWire(t, srv.ln.Addr().String(), 4)
	req := wireRequests(t, "")
	for i := range 2 {
		x := Exchange{Req: req, Caller: i, Try: 1, Deadline: time.Now().Add(5 * time.Second)}
		if i == 1 {
			waitClosedByPeer(t, w)
		}
		if err := w.Do(t.Context(), &x); err != nil || x.Code != 200 || x.Resent {
			t.Fatalf("attempt %d: %d %v", i, x.Code, err)
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.requests) != 2 || srv.conns != 2 {
		t.Errorf("the service saw %d requests on %d connections, want 2 on 2", len(srv.requests), srv.conns)
	}
}

// waitClosedByPeer waits until the service's close of w's kept
// connection has reached this side.
func waitClosedByPeer(t *testing.T, w *Client) {
	t.Helper()
	w.mu.Lock()
	c := w.idle[len(w.idle)-1]
	w.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); !c.closedByPeer(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the service's close never reached the kept connection")
		}
	}
}

// TestWireDeadline: an answer cut off by the caller's timeout mid-body is
// a timeout, and the run's stop ends an attempt at once.
func TestWireDeadline(t *testing.T) {
	srv := newRawServer(t, []string{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", ""}, nil)
	w := newTestWire(t, srv.ln.Addr().String(), 4)
	req := wireRequests(t, "")
	x := Exchange{Req: req, Caller: 0, Try: 1, Deadline: time.Now().Add(300 * time.Millisecond)}
	err := w.Do(t.Context(), &x)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("cut off by the deadline: %v, want a timeout", err)
	}
	ctx, stop := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, stop)
	began := time.Now()
	x = Exchange{Req: req, Caller: 1, Try: 1, Deadline: time.Now().Add(time.Minute)}
	if err := w.Do(ctx, &x); err == nil || time.Since(began) > 30*time.Second {
		t.Fatalf("stopped run: %v after %s", err, time.Since(began))
	}
}

// TestWireTLS: an https target is spoken to through crypto/tls, with the
// target's host as the server name, and its connection is kept.
func TestWireTLS(t *testing.T) {
	var conns, requests atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		requests.Add(1)
		w.Header().Set("Location", "/v1/uploads/1")
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	w := trustingClient(t, srv, 2)
	req := wireRequests(t, "")
	for i := range 2 {
		x := Exchange{Req: req, Caller: i, Try: 1, Deadline: time.Now().Add(5 * time.Second)}
		if err := w.Do(t.Context(), &x); err != nil || x.Code != 202 || x.Location != "/v1/uploads/1" {
			t.Fatalf("attempt %d: %d %q %v", i, x.Code, x.Location, err)
		}
	}
	if requests.Load() != 2 || conns.Load() != 1 {
		t.Errorf("the service saw %d requests on %d connections, want 2 on 1", requests.Load(), conns.Load())
	}
}

// TestWireEarlyAnswer: a service that answers 413 after the request's
// head and closes without reading the body gave the caller a 413, not a
// reset, as net/http reports it.
func TestWireEarlyAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			c.Close()
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		c.Close() // unread body bytes: the kernel resets the connection
	}()
	req := harnesstest.Requests(t, harnesstest.Scenario(t, "name: w\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1, records: 20000, record_bytes: 200}\n"))
	w := newTestWire(t, ln.Addr().String(), 1)
	x := Exchange{Req: req, Caller: 0, Try: 1, Deadline: time.Now().Add(5 * time.Second)}
	if err := w.Do(t.Context(), &x); err != nil || x.Code != 413 {
		t.Fatalf("got %d, %v; want the 413", x.Code, err)
	}
}

// trustingClient is a wire for n callers to the https test server srv,
// trusting its certificate.
func trustingClient(t *testing.T, srv *httptest.Server, n int) *Client {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	w := NewClient(u, n, 0, nil)
	w.tls.RootCAs = x509.NewCertPool()
	w.tls.RootCAs.AddCert(srv.Certificate())
	return w
}
