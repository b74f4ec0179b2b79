package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
)

var runIDRe = regexp.MustCompile(`run id (rh-[0-9a-z-]+)`)

// startRun starts `rehearse run` on a long reference scenario and waits until
// its SUT is up; it returns the command, the run id and the stderr so far.
func startRun(t *testing.T, bin, out string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	sc := writeScenario(t, `name: interrupt-me
sut:
  reference: {mode: async, args: ["--query-delay=20ms", "--workers=1"]}
  resources: {memory: 128MiB}
callers: {count: 3000, records: 20, timeout: 5s}
arrival: {profile: constant, rate: 40}
run: {max_duration: 90s, drain_timeout: 10s}
`)
	cmd := exec.Command(bin, "run", "--out", out, "--progress", "plain", sc)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		id := ""
		for sc.Scan() {
			line := sc.Text()
			buf.WriteString(line + "\n")
			if m := runIDRe.FindStringSubmatch(line); m != nil {
				id = m[1]
			}
			if strings.Contains(line, "SUT ready") {
				ready <- id
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); pw.Close() })
	select {
	case id := <-ready:
		time.Sleep(2 * time.Second) // let the storm run
		return cmd, id, &buf
	case <-time.After(90 * time.Second):
		t.Fatalf("rehearse run did not get its SUT ready:\n%s", buf.String())
	}
	return nil, "", nil
}

// TestRunInterruptLeavesNothing sends SIGINT to a child `rehearse run`: it
// exits 130, writes the partial report and removes every container, network
// and volume of its run.
func TestRunInterruptLeavesNothing(t *testing.T) {
	testenv.RequireDocker(t)
	bin := buildCLI(t)
	out := t.TempDir()
	cmd, id, stderr := startRun(t, bin, out)
	if id == "" || len(testenv.Labelled(t, id)) == 0 {
		t.Fatalf("run %q has no labelled Docker objects while running:\n%s", id, stderr)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want 130:\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "interrupt-me", "report.json")); err != nil {
		t.Fatalf("no partial report: %v\n%s", err, stderr)
	}
	if left := testenv.Labelled(t, id); len(left) > 0 {
		t.Fatalf("run %s left %v behind", id, left)
	}
}

// TestKilledRunIsSwept kill -9s a child `rehearse run`; `rehearse sweep`
// must then remove what it left. (--run keeps the sweep away from the
// containers of tests running in parallel.)
func TestKilledRunIsSwept(t *testing.T) {
	testenv.RequireDocker(t)
	bin := buildCLI(t)
	cmd, id, stderr := startRun(t, bin, t.TempDir())
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if len(testenv.Labelled(t, id)) == 0 {
		t.Fatalf("kill -9 left nothing to sweep; the test proves nothing:\n%s", stderr)
	}
	out, err := exec.Command(bin, "sweep", "--run", id).CombinedOutput()
	if err != nil {
		t.Fatalf("sweep: %v\n%s", err, out)
	}
	if left := testenv.Labelled(t, id); len(left) > 0 {
		t.Fatalf("sweep left %v behind", left)
	}
}

// TestSecondInterruptExitsAtOnce: a second SIGINT skips the partial report
// but still removes the run's containers before exiting 130.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	testenv.RequireDocker(t)
	bin := buildCLI(t)
	cmd, id, stderr := startRun(t, bin, t.TempDir())
	_ = cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(50 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	t0 := time.Now()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want 130:\n%s", err, stderr)
	}
	t.Logf("exited %s after the second signal", time.Since(t0).Round(time.Millisecond))
	if left := testenv.Labelled(t, id); len(left) > 0 {
		t.Fatalf("run %s left %v behind", id, left)
	}
}

// TestKilledRunIsClearedByTheNextRun: after kill -9 of a run, its folder
// still yields a (partial, interrupted) report, and the next run removes the
// dead run's containers before it measures anything, and says so.
func TestKilledRunIsClearedByTheNextRun(t *testing.T) {
	testenv.RequireDocker(t)
	bin := buildCLI(t)
	out := t.TempDir()
	cmd, id, stderr := startRun(t, bin, out)
	time.Sleep(1500 * time.Millisecond) // attempts.csv is flushed every second
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if len(testenv.Labelled(t, id)) == 0 {
		t.Fatalf("kill -9 left nothing behind; the test proves nothing:\n%s", stderr)
	}
	rep, err := exec.Command(bin, "report", "--format", "json", filepath.Join(out, "interrupt-me")).Output()
	if err != nil || !strings.Contains(string(rep), `"interrupted": true`) || !strings.Contains(string(rep), `"total": `) {
		t.Fatalf("report of the killed run: %v\n%s", err, rep)
	}
	next := exec.Command(bin, "run", "--out", t.TempDir(), "--progress", "none", "smoke")
	b, err := next.CombinedOutput()
	if err != nil {
		t.Fatalf("next run: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), "run "+id+", whose process is gone") {
		t.Fatalf("the next run did not say it removed %s:\n%s", id, b)
	}
	if left := testenv.Labelled(t, id); len(left) > 0 {
		t.Fatalf("dead run %s left %v behind after the next run", id, left)
	}
}

// TestSelfContainedBinary copies the static binary alone into an empty
// folder and runs the smoke rehearsal with an empty PATH (no Go) and no
// source tree around: the reference image is built from the binary itself.
func TestSelfContainedBinary(t *testing.T) {
	testenv.RequireDocker(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "rehearse")
	b, err := os.ReadFile(buildCLI(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	// rehearse talks to Docker through its API, not the docker CLI: an
	// empty PATH proves it needs no go (nor anything else) to run.
	empty := t.TempDir()
	env := []string{"PATH=" + empty, "HOME=" + dir}
	tag, err := cmdIn(dir, env, bin, "images").Output()
	if err != nil {
		t.Fatalf("images: %v", err)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", strings.TrimSpace(string(tag))).Run() })
	run := cmdIn(dir, env, bin, "run", "--out", filepath.Join(dir, "out"), "--progress", "none", "smoke")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("run smoke from a lone binary: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "smoke", "report.json")); err != nil {
		t.Fatal(err)
	}
}

func cmdIn(dir string, env []string, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Dir, c.Env = dir, env
	return c
}
