package storm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

func TestLocalClass(t *testing.T) {
	dial := func(call string, errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError(call, errno)}
	}
	for _, c := range []struct {
		err  error
		want reports.Class
	}{
		{dial("socket", syscall.EMFILE), reports.GenOutOfFiles},
		{dial("socket", syscall.ENFILE), reports.GenOutOfFiles},
		{fmt.Errorf("wrapped: %w", dial("connect", syscall.EADDRNOTAVAIL)), reports.GenOutOfPorts},
		{dial("connect", syscall.EADDRINUSE), reports.GenOutOfPorts},
		{dial("connect", syscall.ENETUNREACH), reports.GenLocal},
		{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x"}}, reports.GenLocal},
		{dial("connect", syscall.ECONNREFUSED), reports.ClassNone},
		{dial("connect", syscall.ETIMEDOUT), reports.ClassNone},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, reports.ClassNone},
		{&net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}, reports.ClassNone},
		{context.Canceled, reports.ClassNone},
		{io.ErrUnexpectedEOF, reports.ClassNone},
		{errors.New("weird"), reports.ClassNone},
	} {
		if got := localClass(c.err); got != c.want {
			t.Errorf("localClass(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestFileNote(t *testing.T) {
	if n := fileNote(1000, 64, 1<<20); n != "" {
		t.Fatalf("fits, yet noted: %s", n)
	}
	n := fileNote(20000, 64, 1024)
	for _, want := range []string{"1024", "20000 callers", "ulimit -n", "--shard"} {
		if !strings.Contains(n, want) {
			t.Errorf("note %q lacks %q", n, want)
		}
	}
}

// fileLimitEnv names, in a child test process, the target of a storm run
// under a small file limit.
const fileLimitEnv = "STORM_TEST_FILE_LIMIT_TARGET"

// TestOutOfFilesIsTheGenerators runs 200 callers against a slow server
// from a child process whose file limit is 64: the server stays in this
// process, out of reach of the small limit, and this process keeps its own.
func TestOutOfFilesIsTheGenerators(t *testing.T) {
	if target := os.Getenv(fileLimitEnv); target != "" {
		outOfFilesChild(t, target)
		return
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(500 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestOutOfFilesIsTheGenerators$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), fileLimitEnv+"="+srv.URL)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child under file limit 64") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func outOfFilesChild(t *testing.T, target string) {
	lim := syscall.Rlimit{Cur: 64, Max: 64}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	sc := scenario(t, target, `callers:
  count: 200
  records: 2
  timeout: 5s
  retry: {attempts: 3, backoff: none, on: [timeout, 5xx, 429, conn, other]}
arrival: {profile: burst, window: 100ms}
`)
	rep, st := run(t.Context(), t, sc, target)
	gen := rep.Generator.Errors[reports.GenOutOfFiles]
	t.Logf("child under file limit 64: generator errors %v, requests %+v, callers %+v, notes %q",
		rep.Generator.Errors, rep.Requests, rep.Callers, st.Notes)
	if gen == 0 || rep.Requests.Errors[reports.ClassOther] != 0 || len(rep.Requests.Errors) != 0 {
		t.Errorf("generator errors %v, requests errors %v: want out_of_files > 0 and no service error",
			rep.Generator.Errors, rep.Requests.Errors)
	}
	// No caller retried a generator error, none gave up because of it.
	if rep.Requests.OK+gen != 200 || rep.Callers.Attempts != 200 || rep.Callers.GaveUp != 0 || rep.Requests.OK == 0 {
		t.Errorf("requests %+v callers %+v", rep.Requests, rep.Callers)
	}
	if len(st.Notes) != 1 || !strings.Contains(st.Notes[0], "ulimit -n") {
		t.Errorf("notes %q", st.Notes)
	}
}

// TestInflightPeak: the storm's count of uploads in flight at once is the
// service's own. 40 callers arrive within 50 ms; the service holds every
// request until all 40 are in, so both sides see exactly 40 at once.
func TestInflightPeak(t *testing.T) {
	const n = 40
	var mu sync.Mutex
	in, peak := 0, 0
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		in++
		peak = max(peak, in)
		if in == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(10 * time.Second):
		}
		mu.Lock()
		in--
		mu.Unlock()
	}))
	defer srv.Close()
	sc := scenario(t, srv.URL, fmt.Sprintf("callers: {count: %d, records: 2, timeout: 20s}\narrival: {profile: burst, window: 50ms}\n", n))
	rep, st := run(t.Context(), t, sc, srv.URL)
	mu.Lock()
	defer mu.Unlock()
	if rep.Requests.OK != n || peak != n || st.InflightPeak != n {
		t.Fatalf("ok %d; the service saw %d at once, the storm counted %d; want %d", rep.Requests.OK, peak, st.InflightPeak, n)
	}
}
