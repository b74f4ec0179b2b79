package sutrun

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// ReferenceRepo is the repository of the reference image's tags.
const ReferenceRepo = "rehearse/uploadsvc"

// sutUser is the non-root user the SUT containers run as.
const sutUser = "65532:65532"

// BuildReferenceImage builds cmd/uploadsvc as a static binary and the image
// rehearse/uploadsvc:<hash of the binary> FROM scratch, running as a
// non-root user with /data owned by it. An image with that tag is reused.
func BuildReferenceImage(ctx context.Context, root string, logf func(string, ...any)) (string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	root, err := repoRoot(root)
	if err != nil {
		return "", err
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	bin, err := buildUploadsvc(ctx, root)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	dockerfile := "FROM scratch\nCOPY uploadsvc /uploadsvc\nCOPY --chown=65532:65532 data /data\nUSER " + sutUser + "\nEXPOSE 8080\nENTRYPOINT [\"/uploadsvc\"]\n"
	// The tag hashes everything that goes into the image.
	sum := sha256.Sum256(append([]byte(dockerfile), data...))
	tag := ReferenceRepo + ":" + hex.EncodeToString(sum[:6])
	if _, err := cli.ImageInspect(ctx, tag); err == nil {
		return tag, nil
	}
	logf("building image %s", tag)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		body []byte
		dir  bool
	}{{"Dockerfile", 0o644, []byte(dockerfile), false}, {"uploadsvc", 0o755, data, false}, {"data/", 0o700, nil, true}}
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Uid: 65532, Gid: 65532, ModTime: time.Unix(0, 0)}
		if f.dir {
			h.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			return "", err
		}
		if _, err := tw.Write(f.body); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{Label: "image"}, Version: build.BuilderV1})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	defer res.Body.Close()
	if err := buildErr(res.Body); err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	return tag, nil
}

// buildErr reads the build's JSON message stream and returns its error.
func buildErr(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != "" {
			return errors.New(m.Error)
		}
	}
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

// teamImage returns a local image to run: sut.image.name (never pulled) or
// one built from sut.image.build.
func (d *Deployment) teamImage(ctx context.Context, im *scenarios.Image) (string, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	if im.Build != "" {
		dir := im.Build
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(d.opts.Dir, dir)
		}
		tag := im.Name
		if tag == "" {
			tag = "rehearse/team:" + d.opts.RunID
		}
		if err := buildDir(ctx, cli, dir, tag, d.opts.RunID); err != nil {
			return "", fmt.Errorf("build image from %s: %w", dir, err)
		}
		return tag, nil
	}
	if _, err := cli.ImageInspect(ctx, im.Name); err != nil {
		return "", fmt.Errorf("image %s not found locally (rehearse never pulls): build it with `docker build -t %s DIR` or load it with `docker load -i FILE`, or set sut.image.build", im.Name, im.Name)
	}
	return im.Name, nil
}

// buildDir builds a Dockerfile folder with the legacy builder.
func buildDir(ctx context.Context, cli *client.Client, dir, tag, runID string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{Label: runID}, Version: build.BuilderV1})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return buildErr(res.Body)
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
			return "", fmt.Errorf("cannot find the rehearse source tree (go.mod) above %s to build the reference service; run rehearse from the repository", dir)
		}
	}
}
