package sutrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/internal/errext"

	"github.com/moby/moby/client"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

var envOnce sync.Once

// dockerEnv sets what testcontainers-go needs on this kind of machine before
// its first use: no Ryuk (its image cannot be pulled; we clean up by label)
// and loopback as the host address.
func dockerEnv() {
	envOnce.Do(func() {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		_ = os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
		tclog.SetDefault(tclog.NewNoopLogger())
	})
}

// dockerClient connects to the engine (DOCKER_HOST or the default socket)
// and checks that it answers.
func dockerClient(ctx context.Context) (*client.Client, error) {
	dockerEnv()
	cli, err := client.New(client.FromEnv)
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = cli.Ping(pctx, client.PingOptions{})
		cancel()
		if err != nil {
			cli.Close()
		}
	}
	if err != nil {
		host := os.Getenv("DOCKER_HOST")
		if host == "" {
			host = "unix:///var/run/docker.sock"
		}
		return nil, errext.WithHint(fmt.Errorf("%w at %s (DOCKER_HOST)", ErrDockerUnavailable, host),
			"start it (`sudo systemctl start docker`, or `dockerd &`), or run without containers with --runtime process")
	}
	return cli, nil
}

// ErrDockerUnavailable is returned (wrapped, with one sentence of advice)
// when the Docker engine does not answer.
var ErrDockerUnavailable = errors.New("docker is not reachable")

// Connect opens the Docker engine as the harness does (DOCKER_HOST or the
// default socket), checked to answer; an engine that does not is
// ErrDockerUnavailable with one sentence of advice. Close the client.
func Connect(ctx context.Context) (*client.Client, error) { return dockerClient(ctx) }
