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
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/sut"
)

// ReferenceRepo is the repository of the reference image's tags.
const ReferenceRepo = "rehearse/uploadsvc"

// ReferenceLabel is the rehearse.run value of the cached reference image:
// it belongs to no run, is reused by every run while its content is
// unchanged, and is kept by a sweep unless images are asked for.
const ReferenceLabel = "image"

// sutUser is the non-root user the SUT containers run as.
const sutUser = "65532:65532"

// referenceDockerfile puts uploadsvc FROM scratch, non-root, with /data
// owned by that user (a named volume mounted there inherits the owner).
var referenceDockerfile = fmt.Sprintf("FROM scratch\nCOPY uploadsvc /uploadsvc\nCOPY --chown=%s data /data\nUSER %s\nEXPOSE %d\nENTRYPOINT [\"/uploadsvc\"]\n",
	sutUser, sutUser, sut.Port)

// BuildReferenceImage builds the image rehearse/uploadsvc:<hash of its
// content> FROM scratch around an uploadsvc program (see uploadsvcBinary:
// this very executable when it can serve as uploadsvc, else one built from
// the source tree at root) and returns its tag. An image with that tag is
// reused.
func BuildReferenceImage(ctx context.Context, root string, logf func(string, ...any)) (string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	bin, err := uploadsvcBinary(ctx, root)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", bin, err)
	}
	// The tag hashes everything that goes into the image.
	sum := sha256.Sum256(append([]byte(referenceDockerfile), data...))
	tag := ReferenceRepo + ":" + hex.EncodeToString(sum[:6])
	if _, err := cli.ImageInspect(ctx, tag); err == nil {
		return tag, nil
	}
	logf("building image %s", tag)
	ctxTar, err := referenceContext(data)
	if err != nil {
		return "", err
	}
	res, err := cli.ImageBuild(ctx, ctxTar, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{Label: ReferenceLabel}, Version: build.BuilderV1})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	defer res.Body.Close()
	if err := buildErr(res.Body); err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	return tag, nil
}

// referenceContext is the build context: the Dockerfile, the program and
// an empty data folder.
func referenceContext(program []byte) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		body []byte
		dir  bool
	}{{"Dockerfile", 0o644, []byte(referenceDockerfile), false}, {"uploadsvc", 0o755, program, false}, {"data/", 0o700, nil, true}}
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Uid: 65532, Gid: 65532, ModTime: time.Unix(0, 0)}
		if f.dir {
			h.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}

// ReadBuild reads an image build's JSON message stream to its end and
// returns the error it reported, if any.
func ReadBuild(r io.Reader) error { return buildErr(r) }

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
