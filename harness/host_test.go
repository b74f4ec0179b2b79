package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// createOwned creates (does not start) a container labelled as run id of
// the process pid on this host, as a rehearsal would have left it.
func createOwned(t *testing.T, image, id string, pid int, since string) {
	t.Helper()
	host, _ := os.Hostname()
	out, err := exec.Command("docker", "create", "--label", "rehearse.run="+id, "--label", "rehearse.host="+host,
		"--label", fmt.Sprintf("rehearse.pid=%d", pid), "--label", "rehearse.since="+since, image).CombinedOutput()
	if err != nil {
		t.Fatalf("docker create: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = sutrun.SweepRun(context.Background(), id) })
}

// TestClearHostRemovesDeadRunsAndNotesLiveOnes: before a run measures
// anything, a dead run's containers (its process is gone) are removed and
// named; a live run's (this very test process owns them) are left alone
// and noted as competing with the measurement.
func TestClearHostRemovesDeadRunsAndNotesLiveOnes(t *testing.T) {
	testenv.RequireDocker(t)
	image, err := sutrun.BuildReferenceImage(t.Context(), "", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().UnixNano()
	dead, live, self := fmt.Sprintf("rh-test-dead-%d", stamp), fmt.Sprintf("rh-test-live-%d", stamp), fmt.Sprintf("rh-test-self-%d", stamp)
	// A pid that cannot be running: above the kernel's pid_max.
	createOwned(t, image, dead, 1<<30, "1")
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc: cannot tell live processes")
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+1:])
	createOwned(t, image, live, os.Getpid(), f[19])

	var logged []string
	notes := clearHost(t.Context(), self, func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) })
	if left := testenv.Labelled(t, dead); len(left) > 0 {
		t.Fatalf("dead run's containers left: %v", left)
	}
	if len(testenv.Labelled(t, live)) != 1 {
		t.Fatalf("the live run's container was touched")
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "dead run "+dead) || !strings.Contains(all, "measured while another rehearsal was running (run "+live+")") {
		t.Fatalf("notes %q", notes)
	}
	if !strings.Contains(strings.Join(logged, "\n"), "WARNING: another rehearsal (run "+live) {
		t.Fatalf("no loud warning: %q", logged)
	}
}
