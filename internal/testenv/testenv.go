// Package testenv holds what the Docker and subprocess tests of several
// packages share: the Docker requirement, the leftover check, building
// this repository's binaries and a CA of a test's own (pki.go). It is
// imported by tests only.
package testenv

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// RequireDocker skips t loudly without a Docker engine, or fails it under
// CI=true, where a missing engine must never pass silently. It also skips
// in -short mode.
func RequireDocker(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("Docker test; skipped in -short mode")
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but Docker is not reachable: %v", err)
		}
		t.Skipf("SKIPPING Docker test: Docker is not reachable (%v)", err)
	}
}

// Labelled lists the containers, networks, volumes and images labelled
// rehearse.run=<id>.
func Labelled(t testing.TB, id string) []string {
	t.Helper()
	var left []string
	for _, kind := range [][]string{{"ps", "-aq"}, {"network", "ls", "-q"}, {"volume", "ls", "-q"}, {"images", "-q"}} {
		args := append(kind, "--filter", "label=rehearse.run="+id)
		out, err := exec.Command("docker", args...).Output()
		if err != nil {
			t.Fatalf("docker %v: %v", args, err)
		}
		for _, f := range strings.Fields(string(out)) {
			left = append(left, kind[0]+" "+f)
		}
	}
	return left
}

// NoLeftovers fails t when anything labelled rehearse.run=<id> is left.
func NoLeftovers(t testing.TB, id string) {
	t.Helper()
	if left := Labelled(t, id); len(left) > 0 {
		t.Errorf("run %s left %v behind", id, left)
	}
}

// Build compiles the main package in dir (relative to the test's package)
// statically into a temporary folder and returns the binary's path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(filepath.Clean(dir)))
	if filepath.Base(filepath.Clean(dir)) == "." {
		bin = filepath.Join(t.TempDir(), "bin")
	}
	cmd := exec.Command("go", "build", "-o", bin, dir)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// RequireProgram returns the path of program, skipping t loudly when it
// is not installed, or failing it under CI=true, where .ci/run installs
// the Debian package pkg that provides it.
func RequireProgram(t testing.TB, program, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} { // not on every PATH
		if p := filepath.Join(dir, program); exec.Command(p, "-v").Run() == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s is not installed (apt-get install %s; .ci/run does)", program, pkg)
	}
	t.Skipf("SKIPPING: %s is not installed (apt-get install %s)", program, pkg)
	return ""
}

// CurveDrift compares arrivals with the logged offsets: both in order, the
// arrivals scaled back to the log's time by speed, a constant shift (when
// the first request left) taken out; it is the largest difference left.
// Within a second, the per-second curve matches the log's.
func CurveDrift(arrivals []time.Time, logged []time.Duration, speed float64) time.Duration {
	if len(arrivals) != len(logged) || len(arrivals) == 0 {
		return time.Hour
	}
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	logged = slices.Clone(logged)
	slices.Sort(logged)
	d := make([]time.Duration, len(logged))
	for k := range logged {
		d[k] = time.Duration(float64(arrivals[k].Sub(arrivals[0]))*speed) - (logged[k] - logged[0])
	}
	mid := slices.Clone(d)
	slices.Sort(mid)
	shift, worst := mid[len(mid)/2], time.Duration(0)
	for _, x := range d {
		worst = max(worst, (x - shift).Abs())
	}
	return worst
}

// CountingServer is a service on 127.0.0.1 that knows its own truth: it
// drains every request's body, answers 200 and counts the requests. It is
// closed when t ends.
func CountingServer(t testing.TB) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// StopGracefully ends a server process the way its own stop does: SIGTERM
// (an nginx master then stops its workers, which a SIGKILL of the master
// leaves running, holding the port), SIGKILL after 5 s, and waits for it.
func StopGracefully(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// RequireClosed fails t unless nothing listens at addr any more: a server
// the test stopped left no process behind that holds its port.
func RequireClosed(t testing.TB, addr string) {
	t.Helper()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after its server was stopped: a process was left behind", addr)
	}
}
