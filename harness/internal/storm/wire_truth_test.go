package storm

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// journal is a service's own count of what it read: requests, body
// bytes, and the requests it dropped without answering.
type journal struct {
	mu                sync.Mutex
	requests, dropped int64
	bodyBytes         int64
	paths, userAgents map[string]int
	connections       atomic.Int64
}

func (j *journal) read(r *http.Request) int64 {
	n, _ := io.Copy(io.Discard, r.Body)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.requests++
	j.bodyBytes += n
	if j.paths == nil {
		j.paths, j.userAgents = map[string]int{}, map[string]int{}
	}
	j.paths[r.URL.Path]++
	j.userAgents[strings.Join(r.Header.Values("User-Agent"), " | ")]++
	return j.requests
}

// drop closes the request's connection without a byte of answer, after
// the service read the whole request (a process dying after it took an
// upload).
func (j *journal) drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
	j.mu.Lock()
	j.dropped++
	j.mu.Unlock()
}

// serve starts a real net/http server running h, counting connections.
func (j *journal) serve(t *testing.T, h http.HandlerFunc, tune func(*http.Server)) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			j.connections.Add(1)
		}
	}
	if tune != nil {
		tune(srv.Config)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// TestWireReadThenDrop: a service that reads every 7th upload in full and
// drops the connection without answering. Every request it read is an
// attempt — none is re-sent behind the caller's back — and each drop is
// class conn_closed, retried by the caller's policy, seen in the report.
func TestWireReadThenDrop(t *testing.T) {
	var j journal
	srv := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
		if j.read(r)%7 == 0 {
			j.drop(w)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}, nil)
	sc := scenario(t, srv.URL, `callers:
  count: 200
  records: 3
  retry: {attempts: 3, backoff: constant, base: 10ms, jitter: none, on: [conn]}
arrival: {profile: poisson, rate: 400}
`)
	rep, _ := run(t.Context(), t, sc, srv.URL)
	j.mu.Lock()
	defer j.mu.Unlock()
	// Each drop is a retry, or the end of a caller that had no try left.
	if rep.Requests.Total != j.requests || rep.Requests.Errors[reports.ClassConnClosed] != j.dropped ||
		rep.Requests.OK != j.requests-j.dropped || rep.Callers.Retries+rep.Callers.GaveUp != j.dropped ||
		rep.Requests.Resent != 0 {
		t.Fatalf("report: requests %+v callers %+v; service: read %d, dropped %d",
			rep.Requests, rep.Callers, j.requests, j.dropped)
	}
	if j.dropped == 0 || rep.Requests.ErrorExamples[reports.ClassConnClosed].Message == "" {
		t.Fatalf("no drop, or no example of one: %+v", rep.Requests.ErrorExamples)
	}
}

// TestWireKeepAliveClosedByService: services that close kept connections
// on their own — after 20 ms idle (unannounced: the wire finds them
// closed before reuse), with Keep-Alive: timeout=1, and with Connection:
// close after every 3rd request. Every attempt reaches the service once
// and succeeds: the wire never writes into a connection the service has
// closed. (Attempts 200 ms apart leave the unannounced close time to
// arrive: a close at the very instant of a write is the race no HTTP/1.1
// client can see before it writes; errUnread sees it after, on plain
// HTTP: TestWireUnreadIsNotWritten.)
func TestWireKeepAliveClosedByService(t *testing.T) {
	for _, c := range []struct {
		name   string
		rate   int
		tune   func(*http.Server)
		header func(n int64, w http.ResponseWriter)
	}{
		{name: "idle 20ms", rate: 5, tune: func(s *http.Server) { s.IdleTimeout = 20 * time.Millisecond }},
		{name: "keep-alive timeout=1", rate: 40, tune: func(s *http.Server) { s.IdleTimeout = time.Second },
			header: func(_ int64, w http.ResponseWriter) { w.Header().Set("Keep-Alive", "timeout=1") }},
		{name: "close every 3rd", rate: 40, header: func(n int64, w http.ResponseWriter) {
			if n%3 == 0 {
				w.Header().Set("Connection", "close")
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var j journal
			srv := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
				n := j.read(r)
				if c.header != nil {
					c.header(n, w)
				}
				w.WriteHeader(http.StatusCreated)
			}, c.tune)
			sc := scenario(t, srv.URL, fmt.Sprintf(`callers: {count: 20, records: 2, retry: {attempts: 1}}
arrival: {profile: constant, rate: %d}
`, c.rate))
			rep, _ := run(t.Context(), t, sc, srv.URL)
			j.mu.Lock()
			defer j.mu.Unlock()
			if rep.Requests.Total != 20 || rep.Requests.OK != 20 || j.requests != 20 {
				t.Fatalf("report %+v; the service read %d", rep.Requests, j.requests)
			}
		})
	}
}

// TestWireTargetPathAndHeaders: the target's path prefixes every upload,
// and a template's User-Agent replaces rehearse's (one of each header).
func TestWireTargetPathAndHeaders(t *testing.T) {
	var j journal
	srv := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
		j.read(r)
		w.WriteHeader(http.StatusCreated)
	}, nil)
	sc := scenario(t, srv.URL+"/api", `callers: {count: 5, records: 2}
api:
  upload:
    method: POST
    path: /v1/callers/{caller}/records
    headers: {user-agent: "erp-client/2.1"}
    body: {format: json}
`)
	rep, _ := run(t.Context(), t, sc, srv.URL+"/api/")
	j.mu.Lock()
	defer j.mu.Unlock()
	if rep.Requests.OK != 5 || j.userAgents["erp-client/2.1"] != 5 || len(j.userAgents) != 1 {
		t.Fatalf("report %+v; user agents %v", rep.Requests, j.userAgents)
	}
	for p := range j.paths {
		if !strings.HasPrefix(p, "/api/v1/callers/") {
			t.Fatalf("path %q lost the target's /api", p)
		}
	}
}

// TestWireBadAnswers: a service that answers garbage, an endless header,
// a chunk size beyond any length, a Content-Length of -1, or closes in
// the middle of a body. Each is a counted attempt of class protocol or
// conn_closed with its first example kept, and the storm goes on to its
// end.
func TestWireBadAnswers(t *testing.T) {
	endless := "HTTP/1.1 200 OK\r\nX-Endless: " + strings.Repeat("a", 1<<20)
	bad := []string{
		"garbage\r\n\r\n",
		endless,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var served atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				_, _ = io.WriteString(c, bad[(served.Add(1)-1)%int64(len(bad))])
			}()
		}
	}()
	url := "http://" + ln.Addr().String()
	sc := scenario(t, url, "callers: {count: 50, records: 2, timeout: 10s, retry: {attempts: 1}}\narrival: {profile: poisson, rate: 200}\n")
	rep, st := run(t.Context(), t, sc, url)
	if st.Stopped != StopDone || rep.Requests.Total != 50 || served.Load() != 50 ||
		rep.Requests.Errors[reports.ClassProtocol] != 40 || rep.Requests.Errors[reports.ClassConnClosed] != 10 {
		t.Fatalf("stopped %s; report %+v; served %d", st.Stopped, rep.Requests, served.Load())
	}
	for _, c := range []reports.Class{reports.ClassProtocol, reports.ClassConnClosed} {
		if rep.Requests.ErrorExamples[c].Message == "" {
			t.Errorf("no example of %s: %+v", c, rep.Requests.ErrorExamples)
		}
	}
	if rep.Requests.Timeouts != 0 {
		t.Errorf("a malformed answer was counted as a timeout: %+v", rep.Requests)
	}
}

// TestWireConnectTimeout: a service whose accept queue is full drops the
// callers' SYNs, so no connection opens. Past callers.connect_timeout the
// attempt is class conn_timeout — not the service's slow answer
// (timeout), and well before the caller's own timeout.
func TestWireConnectTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil { // an accept queue of one, never accepted
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	filler, err := net.Dial("tcp", addr) // fills the queue
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()
	url := "http://" + addr
	sc := scenario(t, url, "callers: {count: 3, records: 2, timeout: 20s, connect_timeout: 300ms, retry: {attempts: 1}}\narrival: {profile: burst, window: 10ms}\n")
	began := time.Now()
	rep, _ := run(t.Context(), t, sc, url)
	if rep.Requests.Errors[reports.ClassConnTimeout] != 3 || rep.Requests.Timeouts != 0 {
		t.Fatalf("report %+v", rep.Requests)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("the storm took %s: the connect timeout did not bound the dials", took)
	}
}
