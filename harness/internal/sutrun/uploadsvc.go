package sutrun

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// UploadsvcName is the program name under which an executable that calls
// ServeFromSelf serves as uploadsvc (its argv[0] in the reference image is
// /uploadsvc).
const UploadsvcName = "uploadsvc"

var selfServes atomic.Bool

// ServeFromSelf declares that the running executable serves as uploadsvc
// when started under the name UploadsvcName (the rehearse binary does, in
// its main). Reference images are then built from it: no source tree and
// no Go toolchain are needed at run time. Without it (tests, programs
// embedding the harness) the image is built from the source tree.
func ServeFromSelf() { selfServes.Store(true) }

// uploadsvcBinary returns the path of a static uploadsvc program for the
// reference image: this executable when it serves as uploadsvc and is
// statically linked, else cmd/uploadsvc built from the source tree at root
// ("" = found upward from the working directory).
func uploadsvcBinary(ctx context.Context, root string) (string, error) {
	var selfErr error
	if selfServes.Load() {
		exe, err := os.Executable()
		if err == nil {
			err = staticELF(exe)
		}
		if err == nil {
			return exe, nil
		}
		selfErr = err
	}
	r, err := repoRoot(root)
	if err != nil {
		if selfErr != nil {
			return "", fmt.Errorf("cannot use this executable as the reference service (%v), and %w", selfErr, err)
		}
		return "", err
	}
	return buildUploadsvc(ctx, r)
}

// staticELF fails unless path is an executable with no dynamic loader: a
// FROM scratch image has no libc to load.
func staticELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New(path + " is dynamically linked; build it with CGO_ENABLED=0 (make build does)")
		}
	}
	return nil
}

var buildMu sync.Mutex

// buildUploadsvc compiles cmd/uploadsvc statically into the user cache.
func buildUploadsvc(ctx context.Context, root string) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	out := filepath.Join(cache, "rehearse", "uploadsvc")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out, "./cmd/uploadsvc")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build uploadsvc (go build ./cmd/uploadsvc): %v\n%s", err, b)
	}
	return out, nil
}

// repoRoot finds this repository: dir or its parents holding go.mod of
// github.com/rehearse-dev/rehearse.
func repoRoot(dir string) (string, error) {
	if dir == "" {
		dir, _ = os.Getwd()
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/rehearse-dev/rehearse\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("cannot find the rehearse source tree (go.mod) above %s to build the reference service; use a statically built rehearse binary (make build), which carries it", dir)
		}
	}
}
