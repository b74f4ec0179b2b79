package harness

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestComposeExample runs docs/examples/compose-shop as a new user would:
// the stack started by its own script (docker compose when the machine
// has it, else docker run with compose's labels), rehearse watching it by
// the compose project label and deploying v2 with the script under load.
// v2 migrates: nothing is lost, the replaced container is no crash.
func TestComposeExample(t *testing.T) {
	image, id := referenceRun(t)
	t.Setenv("REHEARSE_IMAGE", image)
	t.Setenv("REHEARSE_RUN", id)
	dir, _ := filepath.Abs("../docs/examples/compose-shop")
	stack := func(args ...string) {
		out, err := exec.CommandContext(t.Context(), filepath.Join(dir, "stack.sh"), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("stack.sh %v: %v\n%s", args, err, out)
		}
	}
	stack("up")
	defer func() { _, _ = exec.Command(filepath.Join(dir, "stack.sh"), "down").CombinedOutput() }()
	waitUp(t, "http://127.0.0.1:18080/healthz")
	scs, err := scenarios.Resolve(filepath.Join(dir, "rehearsal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), scs[0], Options{Out: t.TempDir(), RunID: id, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.Verdict != "pass" || r.Data == nil || r.Data.PreloadedCallers != 200 || *r.Data.MissingRecords != 0 {
		t.Fatalf("verdict %s gates %+v data %+v", r.Verdict, r.Gates, r.Data)
	}
	if !r.Crashes.Measured() || *r.Crashes.Count != 0 || r.Cutover == nil || *r.Cutover.ExitCode != 0 || *r.Data.Restormed != 0 {
		t.Fatalf("crashes %+v cutover %+v", r.Crashes, r.Cutover)
	}
}
