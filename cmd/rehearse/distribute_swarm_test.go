package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// swarmRunIDRe finds the run id distribute prints.
var swarmRunIDRe = regexp.MustCompile(`rh-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}`)

// Flags --engine swarm cannot use, or bad values, exit 2 before anything
// is created.
func TestDistributeSwarmUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--shards", "3", "--emit", "k8s/", "--target", "http://127.0.0.1:1"}, "--emit writes manifests for --engine k8s"},
		{[]string{"--shards", "0", "--target", "http://127.0.0.1:1"}, "--shards must be 1..256"},
		{[]string{"--shards", "3"}, "--engine swarm needs --target URL"},
		{[]string{"--shards", "3", "--target", "http://127.0.0.1:1", "--start-at", "yesterday"}, "--start-at \"yesterday\""},
		{[]string{"--shards", "3", "--target", "http://127.0.0.1:1", "--start-at", "2020-01-01T00:00:00Z"}, "in the past"},
	} {
		args := append(append([]string{"distribute", "--engine", "swarm"}, c.args...), "smoke")
		code, _, stderr := distributeCLI(t, args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// An engine that is not a swarm manager is said in one sentence with the
// command that makes it one (exit 3); rehearse does not make it one.
func TestDistributeSwarmNeedsManager(t *testing.T) {
	testenv.RequireNoSwarm(t)
	srv, _ := testenv.CountingServer(t)
	code, _, stderr := distributeCLI(t, "distribute", "--engine", "swarm", "--shards", "2", "--target", srv.URL, "--out", t.TempDir(), "smoke")
	if code != exitEnv || !strings.Contains(stderr, "not a swarm manager") || !strings.Contains(stderr, "docker swarm init --advertise-addr 127.0.0.1") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if out, _ := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output(); strings.TrimSpace(string(out)) != "inactive" {
		t.Errorf("the engine's swarm is %s after distribute: it must not make one", out)
	}
}

// `distribute --engine swarm --image IMG` end to end: 3 tasks of the image
// `make image` builds, against a service that counts what it receives; the
// merged report's requests equal the service's count, the given image is
// left alone, and nothing of the run is left.
func TestDistributeSwarmCLI(t *testing.T) {
	testenv.RequireSwarm(t)
	img := shardImage(t, buildCLI(t))
	srv, served := testenv.CountingServer(t)
	sc := writeScenario(t, "name: cli-swarm\nsut: {url: "+srv.URL+"}\ncallers: {count: 60, records: 5, timeout: 5s}\narrival: {profile: ramp, window: 1s}\n")
	out := t.TempDir()
	code, _, stderr := distributeCLI(t, "distribute", "--engine", "swarm", "--shards", "3", "--image", img, "--start-in", "4s", "--out", out, sc)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	r := readReport(t, filepath.Join(out, "cli-swarm", "report.json"))
	if total := r["requests"].(map[string]any)["total"].(float64); total != 60 || served.Load() != 60 || len(r["shards"].([]any)) != 3 {
		t.Errorf("merged %v requests of %d shards, service %d", total, len(r["shards"].([]any)), served.Load())
	}
	if !strings.Contains(stderr, "swarm tasks: 0 pending, 0 running, 3 exited 0") {
		t.Errorf("no final progress line:\n%s", stderr)
	}
	if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
		t.Errorf("the given image was removed: %v", err)
	}
	id := swarmRunIDRe.FindString(stderr)
	if id == "" {
		t.Fatalf("no run id in:\n%s", stderr)
	}
	testenv.NoLeftovers(t, id)
	if left := testenv.SwarmLeftovers(t, id); len(left) > 0 {
		t.Errorf("left in the swarm: %v", left)
	}
}

// shardImage builds the image `make image` builds, from bin, removed when
// the test ends.
func shardImage(t *testing.T, bin string) string {
	t.Helper()
	img := "rehearse/rehearse:cli-test-" + strings.ToLower(harness.NewRunID(time.Now()))
	ctxDir := t.TempDir()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := "FROM scratch\nCOPY rehearse /rehearse\nUSER 65532:65532\nENTRYPOINT [\"/rehearse\"]\n" // the Makefile's image
	if os.WriteFile(filepath.Join(ctxDir, "rehearse"), data, 0o755) != nil || os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644) != nil {
		t.Fatal("write the image's context")
	}
	build := exec.Command("docker", "build", "-q", "--label", "rehearse.run=cli-test", "-t", img, ctxDir)
	build.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", img).Run() })
	return img
}

// `distribute --engine swarm --metrics-addr`: while the 3 tasks storm,
// this process serves their series, each with its shard label; once
// they ended, their final counts, whose sum is the merged report's
// requests and the service's count.
func TestDistributeSwarmServesEveryTasksMetrics(t *testing.T) {
	testenv.RequireSwarm(t)
	bin := buildCLI(t)
	img := shardImage(t, bin)
	srv, served := testenv.CountingServer(t)
	sc := writeScenario(t, "name: swarm-fed\nsut: {url: "+srv.URL+"}\ncallers: {count: 300, records: 2, timeout: 5s}\narrival: {profile: constant, rate: 60}\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out := t.TempDir()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "distribute", "--engine", "swarm", "--shards", "3", "--image", img, "--start-in", "4s",
		"--metrics-addr", addr, "--metrics-linger", "2m", "--out", out, sc)
	cmd.Stderr = &stderr // read once it has exited
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	checkFederation(t, cmd, addr, filepath.Join(out, "swarm-fed", "report.json"), 3, 300, served.Load, 120*time.Second)
	id := swarmRunIDRe.FindString(stderr.String())
	if id == "" {
		t.Fatalf("no run id in:\n%s", stderr.String())
	}
	testenv.NoLeftovers(t, id)
	if left := testenv.SwarmLeftovers(t, id); len(left) > 0 {
		t.Errorf("left in the swarm: %v", left)
	}
}
