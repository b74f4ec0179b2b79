package sutrun

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Swept counts what a sweep removed.
type Swept struct{ Containers, Networks, Volumes, Images int }

// Sweep removes every container, network, volume and image labelled
// rehearse.run (older than olderThan when it is > 0).
func Sweep(ctx context.Context, olderThan time.Duration) (Swept, error) {
	return sweep(ctx, "", olderThan)
}

// SweepRun removes the objects of one run (rehearse.run=<runID>). It sweeps
// again until a pass finds nothing (at most 10 passes): a volume cannot go
// while a container that another goroutine is removing still holds it.
func SweepRun(ctx context.Context, runID string) (Swept, error) {
	var total Swept
	var err error
	for pass := 0; pass < 10; pass++ {
		var s Swept
		s, err = sweep(ctx, runID, 0)
		total.Containers += s.Containers
		total.Networks += s.Networks
		total.Volumes += s.Volumes
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

func sweep(ctx context.Context, runID string, olderThan time.Duration) (Swept, error) {
	var s Swept
	cli, err := dockerClient(ctx)
	if err != nil {
		return s, err
	}
	defer cli.Close()
	label := Label
	if runID != "" {
		label += "=" + runID
	}
	f := make(client.Filters).Add("label", label)
	cutoff := time.Now().Add(-olderThan)
	old := func(created int64) bool { return olderThan <= 0 || time.Unix(created, 0).Before(cutoff) }
	var errs []error
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	errs = append(errs, err)
	for _, c := range cs.Items {
		if !old(c.Created) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err == nil {
			s.Containers++
		} else if !strings.Contains(err.Error(), "No such container") {
			errs = append(errs, err)
		}
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	errs = append(errs, err)
	for _, n := range ns.Items {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err == nil {
			s.Networks++
		} else {
			errs = append(errs, err)
		}
	}
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	errs = append(errs, err)
	for _, v := range vs.Items {
		if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err == nil {
			s.Volumes++
		} else {
			errs = append(errs, err)
		}
	}
	if runID == "" {
		is, err := cli.ImageList(ctx, client.ImageListOptions{Filters: f})
		errs = append(errs, err)
		for _, im := range is.Items {
			if !old(im.Created) {
				continue
			}
			if _, err := cli.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err == nil {
				s.Images++
			}
		}
	}
	return s, errors.Join(errs...)
}

// Leftovers names the containers, networks and volumes that earlier runs
// left behind (labelled rehearse.run).
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
	vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err == nil {
		for _, v := range vs.Items {
			out = append(out, "volume "+v.Name)
		}
	}
	return out, nil
}
