package swarm

import (
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// serviceIDLabel is the label Swarm puts on a task's container.
const serviceIDLabel = "com.docker.swarm.service.id"

// goneWithin bounds the removal of a removed service's containers.
const goneWithin = 30 * time.Second

// objects are what Run created, removed in reverse.
type objects struct {
	configs []string
	service string
}

// remove removes the service, then its task containers, then the
// configs, which cannot go while a task holds it. It runs on a context of
// its own: a cancelled ctx is the usual reason it runs.
func (o *objects) remove(ctx context.Context, cli *client.Client) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var errs []error
	if o.service != "" {
		if _, err := cli.ServiceRemove(ctx, o.service, client.ServiceRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove swarm service %s: %w", o.service, err))
		} else if err := removeContainers(ctx, cli, o.service); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range o.configs {
		if err := removeConfig(ctx, cli, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeContainers removes the service's task containers. Docker (20.10
// at least) keeps those of a job's ended tasks after the service is gone,
// so they are removed here, then waited for.
func removeContainers(ctx context.Context, cli *client.Client, serviceID string) error {
	f := make(client.Filters).Add("label", serviceIDLabel+"="+serviceID)
	deadline := time.Now().Add(goneWithin)
	for {
		res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			return fmt.Errorf("list the containers of swarm service %s: %w", serviceID, err)
		}
		if len(res.Items) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("swarm service %s removed, but %d of its containers are still there after %s", serviceID, len(res.Items), goneWithin)
		}
		for _, c := range res.Items {
			// Not found: the engine removed it meanwhile; another error:
			// the next pass retries until the deadline.
			_, _ = cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}

// removeConfig removes a config, retrying while the engine still counts
// it as in use by the service just removed.
func removeConfig(ctx context.Context, cli *client.Client, id string) error {
	for {
		_, err := cli.ConfigRemove(ctx, id, client.ConfigRemoveOptions{})
		if err == nil || cerrdefs.IsNotFound(err) {
			return nil
		}
		if !cerrdefs.IsConflict(err) && !cerrdefs.IsInvalidArgument(err) {
			return fmt.Errorf("remove swarm config %s: %w", id, err)
		}
		if serr := sleep(ctx, 250*time.Millisecond); serr != nil {
			return fmt.Errorf("remove swarm config %s: %w", id, errors.Join(err, serr))
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	return nil
}
