package sutrun

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/rehearse-dev/rehearse/scenarios"
)

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
