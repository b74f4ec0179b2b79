package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

// composeSteps are docs/compare.md's commands for docs/examples/compose-shop,
// character for character: the test fails when the manual says anything
// else, and runs exactly these.
var composeSteps = []string{
	"cd docs/examples/compose-shop",
	"REHEARSE_IMAGE=$(rehearse images) ./stack.sh up",
	"rehearse run rehearsal.yaml",
	"./stack.sh down",
}

// TestComposeExampleAsTheReadmeSays runs docs/examples/compose-shop as
// a new user would, by the README's own command lines in a shell with the
// rehearse binary on $PATH and nothing else set: the stack started by its
// script (docker compose when the machine has it, else docker run with
// compose's labels), `rehearse run rehearsal.yaml` watching it by the
// compose project label and deploying v2 with ./stack.sh under load — a
// relative script that returns before the new version listens — and the
// stack removed. v2 migrates: nothing is lost, the replaced container is
// no crash, and the gates pass (exit 0).
func TestComposeExampleAsTheReadmeSays(t *testing.T) {
	testenv.RequireDocker(t)
	manual, err := os.ReadFile("../../docs/compare.md")
	if err != nil {
		t.Fatal(err)
	}
	if block := "    " + strings.Join(composeSteps, "\n    ") + "\n"; !strings.Contains(string(manual), block) {
		t.Fatalf("docs/compare.md no longer shows the compose example as:\n%s", block)
	}
	root := t.TempDir() // a copy of the repository's example, so its outputs land there
	copyDir(t, "../../docs/examples/compose-shop", filepath.Join(root, "docs/examples/compose-shop"))
	path := t.TempDir()
	if err := os.Symlink(buildCLI(t), filepath.Join(path, "rehearse")); err != nil {
		t.Fatal(err)
	}
	sh := func(ctx context.Context, line string) (string, error) {
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", composeSteps[0]+" && "+line)
		cmd.Dir = root
		cmd.Env = []string{"PATH=" + path + ":" + os.Getenv("PATH")}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "REHEARSE_") && !strings.HasPrefix(kv, "PATH=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		out, err := cmd.CombinedOutput()
		t.Logf("$ %s\n%s", line, out)
		return string(out), err
	}
	t.Cleanup(func() {
		// t's context is already cancelled when cleanups run.
		_, _ = sh(context.Background(), composeSteps[3])
		if left := docker(t, "ps", "-aq", "--filter", "name=^shop-api-1$"); left != "" {
			t.Errorf("./stack.sh down left shop-api-1 behind")
		}
		if left := docker(t, "volume", "ls", "-q", "--filter", "name=shop_data"); left != "" {
			t.Errorf("./stack.sh down left the volume %s behind", left)
		}
	})
	if _, err := sh(t.Context(), composeSteps[1]); err != nil {
		t.Fatalf("stack up: %v", err)
	}
	start := time.Now()
	if _, err := sh(t.Context(), composeSteps[2]); err != nil {
		t.Fatalf("rehearse run: %v (want exit 0: every gate passes)", err)
	}
	t.Logf("rehearse run took %s", time.Since(start).Round(time.Second))
	found, _ := filepath.Glob(filepath.Join(root, "docs/examples/compose-shop/rehearsals/*/shop-deploy/report.json"))
	if len(found) != 1 {
		t.Fatalf("report.json: found %v", found)
	}
	r, err := reports.Load(found[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != "pass" || r.Data == nil || r.Data.PreloadedCallers != 200 || *r.Data.MissingRecords != 0 {
		t.Fatalf("verdict %s gates %+v data %+v", r.Verdict, r.Gates, r.Data)
	}
	if !r.Crashes.Measured() || *r.Crashes.Count != 0 || r.Cutover == nil || *r.Cutover.ExitCode != 0 || *r.Data.Restormed != 0 {
		t.Fatalf("crashes %+v cutover %+v", r.Crashes, r.Cutover)
	}
}

// copyDir copies the files of folder from into to, keeping their modes
// (./stack.sh stays executable).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// docker runs the docker CLI and returns its trimmed output.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
