package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// cli runs the CLI in process and returns its exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := newApp(&out, &errb).execute(context.Background(), args)
	return code, out.String(), errb.String()
}

func writeScenario(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateReportsLineColumn(t *testing.T) {
	p := writeScenario(t, "name: bad\nsut:\n  url: http://127.0.0.1:1\ncallers:\n  count: 10\n  retyr: {attempts: 2}\n")
	code, _, stderr := cli(t, "validate", p)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, p+":6:") || !strings.Contains(stderr, "retyr") {
		t.Fatalf("error does not name file:line:column and the key: %s", stderr)
	}
}

func TestValidateBuiltinsAndList(t *testing.T) {
	code, out, stderr := cli(t, "list")
	if code != 0 || !strings.Contains(out, "seed") {
		t.Fatalf("list: exit %d, out %q, err %q", code, out, stderr)
	}
	code, out, stderr = cli(t, "validate", "seed")
	if code != 0 || strings.Count(out, "ok ") < 4 {
		t.Fatalf("validate seed: exit %d, out %q, err %q", code, out, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run"},
		{"nosuchcommand"},
		{"run", "--nosuchflag", "seed"},
		{"attack", "seed"},
		{"run", "--shard", "3/2", "smoke"},
		{"run", "--runtime", "vm", "smoke"},
		{"report", "--format", "pdf", "x"},
	} {
		if code, _, stderr := cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
	}
}

func TestAttackRefusesRemoteTarget(t *testing.T) {
	code, _, stderr := cli(t, "attack", "--target", "http://10.1.2.3:8080", "--out", t.TempDir(), "smoke")
	if code != exitUsage || !strings.Contains(stderr, "--allow-remote") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestAttackUnreachableTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	out := t.TempDir()
	code, _, stderr := cli(t, "attack", "--target", "http://"+addr, "--out", out, "smoke")
	if code != exitEnv || strings.Count(strings.TrimSpace(stderr), "\n") > 2 || !strings.Contains(stderr, "not reachable") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "smoke", "report.json")); err == nil {
		t.Fatal("a report was written although no storm ran")
	}
}

// TestAttackWritesReportAndGates runs a small storm against an in-process
// server and checks the run folder and the exit code of a failing gate.
func TestAttackWritesReportAndGates(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = drain(r)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	sc := writeScenario(t, `name: tiny
sut: {url: `+srv.URL+`}
callers: {count: 40, records: 5, timeout: 2s}
arrival: {profile: burst, window: 500ms}
gates: ["requests == 40", "timeouts > 0"]
`)
	out := t.TempDir()
	code, _, stderr := cli(t, "attack", "--target", srv.URL, "--out", out, "--progress", "none", sc)
	if code != exitFail {
		t.Fatalf("exit %d, want 1 (gate timeouts > 0 must fail); stderr %s", code, stderr)
	}
	for _, f := range []string{"report.json", "report.html", "report.md", "junit.xml", "attempts.csv.gz"} {
		if _, err := os.Stat(filepath.Join(out, "tiny", f)); err != nil {
			t.Errorf("run folder lacks %s: %v", f, err)
		}
	}
	var rep map[string]any
	b, err := os.ReadFile(filepath.Join(out, "tiny", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	gates := rep["gates"].([]any)
	if len(gates) != 2 || gates[0].(map[string]any)["pass"] != true || gates[1].(map[string]any)["pass"] != false {
		t.Fatalf("gates = %v", gates)
	}
	// report re-renders the saved run; compare of a run with itself passes.
	if code, stdout, stderr := cli(t, "report", "--format", "md", filepath.Join(out, "tiny")); code != 0 || !strings.Contains(stdout, "tiny") {
		t.Fatalf("report: exit %d, %q %q", code, stdout, stderr)
	}
	if code, _, stderr := cli(t, "compare", filepath.Join(out, "tiny"), filepath.Join(out, "tiny", "report.json")); code != 0 {
		t.Fatalf("compare with itself: exit %d, %s", code, stderr)
	}
}

// drain reads a request body to its end.
func drain(r *http.Request) (int64, error) {
	var buf [32 << 10]byte
	var n int64
	for {
		k, err := r.Body.Read(buf[:])
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}

// buildCLI builds the rehearse binary for the subprocess tests.
func buildCLI(t *testing.T) string { return testenv.Build(t, ".") }

// TestInterruptWritesPartialReport sends SIGINT to a child `rehearse attack`
// mid-storm: it must exit 130 and still write the report, marked interrupted.
func TestInterruptWritesPartialReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = drain(r)
		time.Sleep(50 * time.Millisecond)
	}))
	defer srv.Close()
	sc := writeScenario(t, `name: long
sut: {url: `+srv.URL+`}
callers: {count: 2000, records: 5, timeout: 2s}
arrival: {profile: constant, rate: 50}
run: {max_duration: 60s}
`)
	out := t.TempDir()
	bin := buildCLI(t)
	cmd := exec.Command(bin, "attack", "--target", srv.URL, "--out", out, "--progress", "plain", sc)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v, want 130; stderr:\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "long", "report.json"))
	if err != nil {
		t.Fatalf("no partial report: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Interrupted bool `json:"interrupted"`
		Requests    struct {
			Total int64 `json:"total"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || rep.Requests.Total == 0 || rep.Requests.Total >= 2000 {
		t.Fatalf("partial report: interrupted=%v total=%d", rep.Interrupted, rep.Requests.Total)
	}
}

// TestDockerUnreachable: a missing Docker engine is one clear sentence and
// exit 3, not a stack trace.
func TestDockerUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	code, _, stderr := cli(t, "run", "--out", t.TempDir(), "--progress", "none", "smoke")
	if code != exitEnv || !strings.Contains(stderr, "DOCKER_HOST") || !strings.Contains(stderr, "--runtime process") || strings.Contains(stderr, "goroutine") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestReadmeListsEveryCommand: the README's commands table names every
// command the CLI has, so a new one cannot go unlisted.
func TestReadmeListsEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(io.Discard, io.Discard)
	for _, c := range a.rootCmd().Commands() {
		name := c.Name()
		if name == "help" || name == "completion" || c.Hidden {
			continue
		}
		if !strings.Contains(string(b), "| `rehearse "+name) && !strings.Contains(string(b), "/ `rehearse "+name) {
			t.Errorf("README's commands table does not list rehearse %s", name)
		}
	}
}
