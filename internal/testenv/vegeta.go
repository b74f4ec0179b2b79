package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"
)

// vegetaModule is the vegeta module whose CLI VegetaCLI installs.
const vegetaModule = "github.com/tsenart/vegeta/v12"

// VegetaCLI installs the vegeta CLI of the version this test binary links
// (go.mod's, so its decoder is the encoder's) into a temporary folder, as
// bench/knee.sh does, and returns its path. Without it (no module proxy,
// no network) t is skipped loudly, or failed under CI=true.
func VegetaCLI(t testing.TB) string {
	t.Helper()
	version := "v12.13.0" // bench/knee.sh's, when build info is missing
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == vegetaModule {
				version = d.Version
			}
		}
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "-trimpath", vegetaModule+"@"+version)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOBIN="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the vegeta CLI could not be installed (go install %s@%s): %v\n%s", vegetaModule, version, err, out)
		}
		t.Skipf("SKIPPING: the vegeta CLI could not be installed (go install %s@%s): %v\n%s", vegetaModule, version, err, out)
	}
	return filepath.Join(dir, "vegeta")
}
