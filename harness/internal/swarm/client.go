package swarm

import (
	"context"
	"fmt"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/internal/errext"
)

// InitHint is the advice given with ErrNotManager: a one-node swarm on
// loopback is enough to run shards on this machine.
const InitHint = "make this engine a one-node swarm with `docker swarm init --advertise-addr 127.0.0.1` (rehearse never creates or leaves a swarm itself; `docker swarm leave --force` undoes it)"

// connect opens the engine as the rest of the harness does.
func connect(ctx context.Context) (*client.Client, error) { return sutrun.Connect(ctx) }

// infoer is the part of the client requireManager needs.
type infoer interface {
	Info(ctx context.Context, o client.InfoOptions) (client.SystemInfoResult, error)
}

// requireManager fails with ErrNotManager, and the hint to init a swarm,
// unless the engine manages a swarm.
func requireManager(ctx context.Context, cli infoer) error {
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return fmt.Errorf("ask the Docker engine about its swarm: %w", err)
	}
	sw := info.Info.Swarm
	if sw.LocalNodeState == swarm.LocalNodeStateActive && sw.ControlAvailable {
		return nil
	}
	state := string(sw.LocalNodeState)
	if sw.LocalNodeState == swarm.LocalNodeStateActive {
		state = "a worker"
	}
	return errext.WithHint(fmt.Errorf("%w (swarm state: %s), and shards run as a swarm service", ErrNotManager, state), InitHint)
}

// RequireManager fails with ErrNotManager, with the hint to init a swarm,
// unless the engine manages one; with sutrun.ErrDockerUnavailable when it
// does not answer. Run checks it too; a caller checks first to refuse
// before building anything.
func RequireManager(ctx context.Context) error {
	cli, err := connect(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	return requireManager(ctx, cli)
}
