package sutrun

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	mnet "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

type dockerBackend struct {
	d   *Deployment
	cli *client.Client
	// events is cli, except in tests that make the stream fail.
	events eventSource

	mu       sync.Mutex
	units    map[string]*dockerUnit // by container id
	volumes  []string
	loggers  map[string]context.CancelFunc
	stopWait context.CancelFunc
	wg       sync.WaitGroup
	cursor   *eventCursor // how far the events are handled (Settle)
	since    time.Time    // when the watch began, on our clock
	measured sync.Once    // the cursor learns the engine's clock at the first start
}

func newDockerBackend(ctx context.Context, d *Deployment) (*dockerBackend, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	b := &dockerBackend{d: d, cli: cli, events: cli, units: map[string]*dockerUnit{}, loggers: map[string]context.CancelFunc{},
		cursor: newEventCursor(), since: time.Now()}
	if w := d.opts.wrapEvents; w != nil {
		b.events = w(cli)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.stopWait = cancel
	b.wg.Add(1)
	go func() { defer b.wg.Done(); b.watch(wctx) }()
	return b, nil
}

type dockerUnit struct {
	b       *dockerBackend
	s       spec
	ctr     *testcontainers.DockerContainer
	id      string
	once    sync.Once
	removed atomic.Bool // set when remove began: its stream failures are normal
}

func (u *dockerUnit) name() string { return u.s.name }

func (u *dockerUnit) port() int { return u.s.port }

func (b *dockerBackend) labels() map[string]string {
	l := ownerLabels()
	l[Label] = b.d.opts.RunID
	return l
}

func (b *dockerBackend) start(ctx context.Context, s spec) (unit, error) {
	for _, m := range s.allMounts() {
		if err := b.createVolume(ctx, m.volume); err != nil {
			return nil, err
		}
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithName(s.name),
		testcontainers.WithLabels(b.labels()),
		testcontainers.WithEnv(s.env),
		testcontainers.WithConfigModifier(func(c *container.Config) { c.User = s.containerUser() }),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { b.hostConfig(hc, s) }),
	}
	if len(s.args) > 0 {
		opts = append(opts, testcontainers.WithCmd(s.args...))
	}
	if s.network != vocab.NetworkHost {
		opts = append(opts, testcontainers.WithExposedPorts(fmt.Sprintf("%d/tcp", s.cport)))
	}
	ctr, err := testcontainers.Run(ctx, s.image, opts...)
	if ctr == nil {
		return nil, err
	}
	u := &dockerUnit{b: b, s: s, ctr: ctr, id: ctr.GetContainerID()}
	b.mu.Lock()
	b.units[u.id] = u
	b.mu.Unlock()
	b.measured.Do(func() { b.cursor.measure(ctx, b.cli, u.id) })
	b.d.startedUnit(s.name)
	b.follow(u)
	b.wg.Add(1)
	go func() { defer b.wg.Done(); b.stats(u) }()
	return u, err
}

// hostConfig applies limits, restart policy, hardening and the fixed port.
func (b *dockerBackend) hostConfig(hc *container.HostConfig, s spec) {
	if r := s.res; r != nil {
		hc.NanoCPUs = int64(r.CPUs * 1e9)
		if r.Memory > 0 {
			hc.Memory, hc.MemorySwap = int64(r.Memory), int64(r.Memory) // no swap
		}
		if r.Pids > 0 {
			p := r.Pids
			hc.PidsLimit = &p
		}
	}
	if rs := s.restart; rs != nil {
		switch rs.Policy {
		case vocab.RestartOnFailure:
			hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyOnFailure, MaximumRetryCount: rs.Max}
		case vocab.RestartAlways:
			hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyAlways}
		}
	}
	sandbox(hc, s)
	if s.network == vocab.NetworkHost {
		hc.NetworkMode = container.NetworkMode(vocab.NetworkHost)
		return
	}
	hc.PortBindings = mnet.PortMap{
		mnet.MustParsePort(fmt.Sprintf("%d/tcp", s.cport)): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(s.port)}},
	}
}

func (u *dockerUnit) act(ctx context.Context, action string) error {
	cli := u.b.cli
	var err error
	switch action {
	case "kill":
		err = u.crash(ctx)
	case "stop":
		t := 10
		_, err = cli.ContainerStop(ctx, u.id, client.ContainerStopOptions{Timeout: &t})
	case "start":
		_, err = cli.ContainerStart(ctx, u.id, client.ContainerStartOptions{})
	case "restart":
		t := 10
		u.b.d.expect(u.s.name)
		_, err = cli.ContainerRestart(ctx, u.id, client.ContainerRestartOptions{Timeout: &t})
	case "pause":
		_, err = cli.ContainerPause(ctx, u.id, client.ContainerPauseOptions{})
	case "unpause":
		_, err = cli.ContainerUnpause(ctx, u.id, client.ContainerUnpauseOptions{})
	default:
		err = fmt.Errorf("unknown action %q", action)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", action, u.s.name, err)
	}
	return nil
}

// crash SIGKILLs the container's main process from the host, as a crash
// would: Docker then applies the restart policy, which it does not after
// `docker kill` (a manual stop). Where the process is not on this host
// (a remote DOCKER_HOST) it falls back to the API's kill.
func (u *dockerUnit) crash(ctx context.Context) error {
	ins, err := u.b.cli.ContainerInspect(ctx, u.id, client.ContainerInspectOptions{})
	if err == nil && ins.Container.State != nil && ins.Container.State.Pid > 0 {
		if syscall.Kill(ins.Container.State.Pid, syscall.SIGKILL) == nil {
			return nil
		}
	}
	_, err = u.b.cli.ContainerKill(ctx, u.id, client.ContainerKillOptions{Signal: "KILL"})
	return err
}

func (u *dockerUnit) remove(ctx context.Context) error {
	var err error
	u.removed.Store(true)
	u.once.Do(func() {
		// The log follower ends by itself when the container is gone, after
		// copying the last lines. Terminate stops and removes the container with its anonymous volumes.
		err = u.ctr.Terminate(ctx)
		if cerrdefs.IsNotFound(err) {
			err = nil
		}
	})
	return err
}

func (b *dockerBackend) close(ctx context.Context) error {
	b.stopWait()
	b.wg.Wait()
	var errs []error
	for _, v := range b.volumes {
		if _, err := b.cli.VolumeRemove(ctx, v, client.VolumeRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v, err))
		}
	}
	// Whatever else carries this run's label (e.g. left by a failed start).
	_, err := SweepRun(ctx, b.d.opts.RunID)
	errs = append(errs, err)
	b.cli.Close()
	return errors.Join(errs...)
}
