package sutrun

import (
	"context"
	"errors"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Swept counts what a sweep removed. Services and Configs are the swarm
// objects of distributed runs, which harness.Sweep removes (sutrun never
// creates any).
type Swept struct{ Containers, Networks, Volumes, Images, Services, Configs int }

func (s *Swept) add(o Swept) {
	s.Containers += o.Containers
	s.Networks += o.Networks
	s.Volumes += o.Volumes
	s.Images += o.Images
}

// SweepOptions select what Sweep removes.
type SweepOptions struct {
	// RunID, when set, limits the sweep to one run's objects (images it
	// built included).
	RunID string
	// OlderThan, when > 0, keeps objects younger than this.
	OlderThan time.Duration
	// Images also removes the cached reference image (ReferenceLabel),
	// which every run reuses and rebuilds in a few seconds; by default a
	// sweep keeps it.
	Images bool
}

// Sweep removes the containers, networks, volumes and images labelled
// rehearse.run that o selects. It sweeps again until a pass finds nothing
// (at most 10 passes): a volume cannot go while a container that another
// goroutine is removing still holds it.
func Sweep(ctx context.Context, o SweepOptions) (Swept, error) {
	var total Swept
	var err error
	for range 10 {
		var s Swept
		s, err = sweepOnce(ctx, o)
		total.add(s)
		if s == (Swept{}) && err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return total, err
}

// SweepRun removes the objects of one run.
func SweepRun(ctx context.Context, runID string) (Swept, error) {
	return Sweep(ctx, SweepOptions{RunID: runID})
}

// sweepOnce is one pass of Sweep.
func sweepOnce(ctx context.Context, o SweepOptions) (Swept, error) {
	var s Swept
	cli, err := dockerClient(ctx)
	if err != nil {
		return s, err
	}
	defer cli.Close()
	label := Label
	if o.RunID != "" {
		label += "=" + o.RunID
	}
	f := make(client.Filters).Add("label", label)
	cutoff := time.Now().Add(-o.OlderThan)
	old := func(created int64) bool { return o.OlderThan <= 0 || time.Unix(created, 0).Before(cutoff) }
	var errs []error
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	errs = append(errs, err)
	for _, c := range cs.Items {
		if !old(c.Created) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err == nil {
			s.Containers++
		} else if !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	errs = append(errs, err)
	for _, n := range ns.Items {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err == nil {
			s.Networks++
		} else if !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	errs = append(errs, err)
	for _, v := range vs.Items {
		if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err == nil {
			s.Volumes++
		} else if !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	n, err := sweepImages(ctx, cli, f, o, old)
	s.Images = n
	return s, errors.Join(append(errs, err)...)
}

// sweepImages removes the labelled images o selects, with their untagged
// parents (the legacy builder's intermediate images, which would otherwise
// stay behind dangling).
func sweepImages(ctx context.Context, cli *client.Client, f client.Filters, o SweepOptions, old func(int64) bool) (int, error) {
	is, err := cli.ImageList(ctx, client.ImageListOptions{Filters: f})
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, im := range is.Items {
		if !old(im.Created) || (im.Labels[Label] == ReferenceLabel && !o.Images) {
			continue
		}
		if _, err := cli.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err == nil {
			n++
		} else if !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// Leftovers names the containers, networks, volumes and images (but the
// cached reference image) that earlier runs left behind.
func Leftovers(ctx context.Context) ([]string, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	f := make(client.Filters).Add("label", Label)
	var out []string
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	for _, c := range cs.Items {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, "container "+name)
	}
	if vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f}); err == nil {
		for _, v := range vs.Items {
			out = append(out, "volume "+v.Name)
		}
	}
	if is, err := cli.ImageList(ctx, client.ImageListOptions{Filters: f}); err == nil {
		for _, im := range is.Items {
			if im.Labels[Label] != ReferenceLabel {
				out = append(out, "image "+strings.Join(im.RepoTags, ","))
			}
		}
	}
	return out, nil
}
