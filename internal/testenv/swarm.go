package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// swarmLock serialises the tests of every package that use a swarm:
// `go test ./...` runs packages in parallel, and a test that made the swarm
// leaves it when it ends, under the feet of one still using it.
var swarmLock = filepath.Join(os.TempDir(), "rehearse-swarm-test.lock")

// lockSwarm holds the swarm lock until t ends.
func lockSwarm(t testing.TB) {
	t.Helper()
	lock, err := os.OpenFile(swarmLock, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("open %s: %v", swarmLock, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", swarmLock, err)
	}
	t.Cleanup(func() { lock.Close() }) // closing releases the lock, after the cleanups registered later
}

// RequireNoSwarm skips t unless the engine is in no swarm, and keeps the
// tests that make one waiting until t ends. It calls RequireDocker first.
func RequireNoSwarm(t testing.TB) {
	t.Helper()
	RequireDocker(t)
	lockSwarm(t)
	if state := docker(t, "info", "--format", "{{.Swarm.LocalNodeState}}"); state != "inactive" {
		t.Skipf("SKIPPING: the engine is in a swarm (%s); this test needs one that is not", state)
	}
}

// RequireSwarm makes the engine a swarm manager for t, as a user would
// (`docker swarm init --advertise-addr 127.0.0.1`), unless it already is
// one. A swarm t made is left at its end (`docker swarm leave --force`),
// with the docker_gwbridge network Docker keeps after leaving when it was
// not there before; a swarm t did not make is never touched. An engine
// in a swarm as a worker skips t. It calls RequireDocker first.
func RequireSwarm(t testing.TB) {
	t.Helper()
	RequireDocker(t)
	lockSwarm(t)
	switch state := docker(t, "info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"); state {
	case "active true":
		return
	case "inactive false":
	default:
		t.Skipf("SKIPPING swarm test: the engine is in a swarm it does not manage (%s); not touching it", state)
	}
	hadBridge := docker(t, "network", "ls", "-q", "--filter", "name=^docker_gwbridge$") != ""
	docker(t, "swarm", "init", "--advertise-addr", "127.0.0.1")
	t.Cleanup(func() {
		docker(t, "swarm", "leave", "--force")
		if !hadBridge {
			docker(t, "network", "rm", "docker_gwbridge")
		}
	})
}

// SwarmLeftovers lists the swarm services and configs labelled
// rehearse.run=<id>; nil when the engine is not a swarm manager.
func SwarmLeftovers(t testing.TB, id string) []string {
	t.Helper()
	if docker(t, "info", "--format", "{{.Swarm.ControlAvailable}}") != "true" {
		return nil
	}
	var left []string
	for _, kind := range []string{"service", "config"} {
		for _, f := range strings.Fields(docker(t, kind, "ls", "-q", "--filter", "label=rehearse.run="+id)) {
			left = append(left, kind+" "+f)
		}
	}
	return left
}

// docker runs the docker CLI and returns its trimmed output, failing t
// on an error.
func docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
