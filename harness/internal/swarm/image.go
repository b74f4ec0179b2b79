package swarm

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
)

// ImageRepo is the repository of the shard images; `make image` builds
// rehearse/rehearse:<version> the same way.
const ImageRepo = "rehearse/rehearse"

// ImageEntrypoint is where the program sits in the shard image.
const ImageEntrypoint = "/rehearse"

// shardDockerfile is the Makefile's image: the static program FROM
// scratch, non-root.
const shardDockerfile = "FROM scratch\nCOPY rehearse /rehearse\nUSER 65532:65532\nENTRYPOINT [\"/rehearse\"]\n"

// BuildImage builds the shard image ImageRepo:<runID> FROM scratch around
// the program at binary, which must be a static executable for the
// engine's platform (a FROM scratch image has no libc), and labels it
// Label=runID. The caller removes it with RemoveImage.
func BuildImage(ctx context.Context, binary, runID string) (string, error) {
	return BuildImageWith(ctx, binary, "", runID, nil)
}

// BuildImageWith is BuildImage with files baked in, each at its path
// (readable by every user): FROM scratch around binary, or, when base is
// set, FROM base (a shard image already: binary is then not used). A
// distributed replay's trace parts too big for configs go this way.
func BuildImageWith(ctx context.Context, binary, base, runID string, files []File) (string, error) {
	var prog []byte
	if base == "" {
		if err := staticELF(binary); err != nil {
			return "", err
		}
		b, err := os.ReadFile(binary)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", binary, err)
		}
		prog = b
	}
	cli, err := connect(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	tag := ImageRepo + ":" + runID
	res, err := cli.ImageBuild(ctx, buildContext(prog, base, files), client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{Label: runID}, Version: build.BuilderV1})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	defer res.Body.Close()
	if err := sutrun.ReadBuild(res.Body); err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	return tag, nil
}

// RemoveImage removes an image BuildImage built; one already gone is not
// an error. It runs on a context of its own, like Run's cleanup.
func RemoveImage(ctx context.Context, tag string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	cli, err := connect(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove image %s: %w", tag, err)
	}
	return nil
}

// staticELF fails unless path is an executable with no dynamic loader.
func staticELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("read %s as a Linux executable: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked and cannot run FROM scratch; build it with CGO_ENABLED=0 (make build does), or give an image", path)
		}
	}
	return nil
}

// buildContext is the image's build context: the Dockerfile, the program
// (FROM scratch) and the files under files/, copied to / at their paths.
func buildContext(prog []byte, base string, files []File) io.Reader {
	dockerfile := shardDockerfile
	type entry struct {
		name string
		mode int64
		body []byte
	}
	entries := []entry{{"rehearse", 0o755, prog}}
	if base != "" {
		dockerfile, entries = "FROM "+base+"\n", nil
	}
	if len(files) > 0 {
		dockerfile += "COPY files/ /\n"
	}
	entries = append(entries, entry{"Dockerfile", 0o644, []byte(dockerfile)})
	for _, f := range files {
		entries = append(entries, entry{"files/" + strings.TrimPrefix(f.Path, "/"), 0o444, f.Data})
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range entries {
		// Writes to a bytes.Buffer cannot fail.
		_ = tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), ModTime: time.Unix(0, 0)})
		_, _ = tw.Write(f.body)
	}
	_ = tw.Close()
	return &buf
}
