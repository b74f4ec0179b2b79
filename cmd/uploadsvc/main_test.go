package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
)

func build(t *testing.T) string { return testenv.Build(t, ".") }

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func start(t *testing.T, bin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd, &logs
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
	}
	t.Fatalf("%s never became healthy", base)
}

type upload struct {
	Status    string `json:"status"`
	Processed int    `json:"processed"`
}

func status(t *testing.T, base, loc string) upload {
	t.Helper()
	resp, err := http.Get(base + loc)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u upload
	_ = json.NewDecoder(resp.Body).Decode(&u)
	return u
}

// TestKill9LosesNothing: async with one slow worker takes 32 uploads, is
// killed with SIGKILL mid-backlog, restarts on the same store, and every
// upload reaches done exactly once.
func TestKill9LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin, data, addr := build(t), t.TempDir(), freeAddr(t)
	base := "http://" + addr
	args := []string{"--mode", "async", "--addr", addr, "--data", data, "--workers", "1", "--query-delay", "100ms"}
	cmd, _ := start(t, bin, args...)
	waitHealthy(t, base)
	var locs []string
	for i := 0; i < 32; i++ {
		body := fmt.Sprintf(`{"records":[{"id":"r1","payload":{"i":%d}}]}`, i)
		resp, err := http.Post(base+"/v1/callers/c"+fmt.Sprint(i%4)+"/records", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != 202 {
			t.Fatalf("upload %d: %v %v", i, err, resp)
		}
		resp.Body.Close()
		locs = append(locs, resp.Header.Get("Location"))
	}
	time.Sleep(350 * time.Millisecond) // a few done, one in progress, most queued
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = cmd.Process.Wait()

	_, logs := start(t, bin, args...)
	waitHealthy(t, base)
	deadline := time.Now().Add(20 * time.Second)
	for _, loc := range locs {
		for {
			u := status(t, base, loc)
			if u.Status == "done" {
				if u.Processed != 1 {
					t.Fatalf("%s processed %d times", loc, u.Processed)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still %q after restart; logs:\n%s", loc, u.Status, logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestSIGTERMExitsZeroAndKeepsQueue: a graceful stop exits 0 and the
// queued work is still there for the next start.
func TestSIGTERMExitsZeroAndKeepsQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the real binary")
	}
	bin, data, addr := build(t), t.TempDir(), freeAddr(t)
	base := "http://" + addr
	args := []string{"--mode", "async", "--addr", addr, "--data", data, "--schedule", "1h"}
	cmd, logs := start(t, bin, args...)
	waitHealthy(t, base)
	resp, err := http.Post(base+"/v1/callers/c/records", "application/json", strings.NewReader(`{"records":[{"id":"a","payload":{}}]}`))
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("upload: %v %v", err, resp)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs)
	}
	start(t, bin, "--mode", "async", "--addr", addr, "--data", data, "--schedule", "100ms")
	waitHealthy(t, base)
	for deadline := time.Now().Add(5 * time.Second); status(t, base, loc).Status != "done"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("queued upload not done after restart")
		}
	}
}

func TestHelpAndBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"--help"}, &out); err == nil || !strings.Contains(out.String(), "--mode") {
		t.Fatalf("help: %v %q", err, out.String())
	}
	if err := run(t.Context(), []string{"--mode", "turbo"}, &out); err == nil || !strings.Contains(err.Error(), "unknown mode") {
		t.Fatalf("bad mode: %v", err)
	}
}
