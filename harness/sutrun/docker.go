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
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	mnet "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// ReferenceRepo is the repository of the reference image's tags.
const ReferenceRepo = "rehearse/uploadsvc"

// sutUser is the non-root user the SUT containers run as.
const sutUser = "65532:65532"

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
		return nil, fmt.Errorf("%w at %s (DOCKER_HOST): start it (`sudo systemctl start docker`, or `dockerd &`), or run without containers with --runtime process", ErrDockerUnavailable, host)
	}
	return cli, nil
}

type dockerBackend struct {
	d   *Deployment
	cli *client.Client

	mu       sync.Mutex
	units    map[string]*dockerUnit // by container id
	volumes  []string
	loggers  map[string]context.CancelFunc
	stopWait context.CancelFunc
	wg       sync.WaitGroup
}

func newDockerBackend(ctx context.Context, d *Deployment) (*dockerBackend, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	b := &dockerBackend{d: d, cli: cli, units: map[string]*dockerUnit{}, loggers: map[string]context.CancelFunc{}}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.stopWait = cancel
	b.wg.Add(1)
	go func() { defer b.wg.Done(); b.watch(wctx) }()
	return b, nil
}

type dockerUnit struct {
	b    *dockerBackend
	s    spec
	ctr  *testcontainers.DockerContainer
	id   string
	once sync.Once
}

func (u *dockerUnit) name() string { return u.s.name }
func (u *dockerUnit) port() int    { return u.s.port }

func (b *dockerBackend) labels() map[string]string {
	return map[string]string{Label: b.d.opts.RunID}
}

func (b *dockerBackend) start(ctx context.Context, s spec) (unit, error) {
	if s.volume != "" {
		if _, err := b.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: s.volume, Labels: b.labels()}); err != nil {
			return nil, fmt.Errorf("create volume %s: %w", s.volume, err)
		}
		b.mu.Lock()
		if !contains(b.volumes, s.volume) {
			b.volumes = append(b.volumes, s.volume)
		}
		b.mu.Unlock()
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithName(s.name),
		testcontainers.WithLabels(b.labels()),
		testcontainers.WithEnv(s.env),
		testcontainers.WithConfigModifier(func(c *container.Config) {
			if strings.HasPrefix(s.image, ReferenceRepo+":") {
				c.User = sutUser
			}
		}),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { b.hostConfig(hc, s) }),
	}
	if len(s.args) > 0 {
		opts = append(opts, testcontainers.WithCmd(s.args...))
	}
	if s.network != "host" {
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
		case "on-failure":
			hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyOnFailure, MaximumRetryCount: rs.Max}
		case "always":
			hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyAlways}
		}
	}
	hc.ReadonlyRootfs = true
	hc.SecurityOpt = []string{"no-new-privileges:true"}
	hc.CapDrop = []string{"ALL"}
	hc.Tmpfs = map[string]string{"/tmp": "rw,size=64m"}
	if s.volume != "" {
		hc.Binds = []string{s.volume + ":/data"}
	}
	if s.network == "host" {
		hc.NetworkMode = "host"
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
	u.once.Do(func() {
		// The log follower ends by itself when the container is gone, after
		// copying the last lines. Terminate stops and removes the container with its anonymous volumes.
		err = u.ctr.Terminate(ctx)
		if err != nil && strings.Contains(err.Error(), "No such container") {
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
		if _, err := b.cli.VolumeRemove(ctx, v, client.VolumeRemoveOptions{Force: true}); err != nil && !strings.Contains(err.Error(), "no such volume") {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v, err))
		}
	}
	// Whatever else carries this run's label (e.g. left by a failed start).
	_, err := SweepRun(ctx, b.d.opts.RunID)
	errs = append(errs, err)
	b.cli.Close()
	return errors.Join(errs...)
}

// watch follows the run's Docker events: die (with exit code), oom, start.
// The stream is re-subscribed with Since after an error so nothing is lost.
func (b *dockerBackend) watch(ctx context.Context) {
	since := time.Now()
	oom := map[string]bool{}
	starts := map[string]int{}
	for ctx.Err() == nil {
		f := make(client.Filters).Add("type", "container").Add("label", Label+"="+b.d.opts.RunID)
		// Since takes seconds.nanoseconds: resubscribing from the last event
		// (plus 1 ns) neither loses nor repeats one.
		res := b.cli.Events(ctx, client.EventsListOptions{Since: fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()), Filters: f})
	stream:
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-res.Err:
				_ = err
				break stream
			case m := <-res.Messages:
				since = time.Unix(0, m.TimeNano+1)
				if m.Action == events.ActionStart {
					// Counted before the unit is known: the first start
					// event arrives while testcontainers.Run is still waiting.
					starts[m.Actor.ID]++
				}
				b.mu.Lock()
				u := b.units[m.Actor.ID]
				b.mu.Unlock()
				if u == nil {
					continue
				}
				switch m.Action {
				case events.ActionOOM:
					oom[m.Actor.ID] = true
				case events.ActionDie:
					code, _ := strconv.Atoi(m.Actor.Attributes["exitCode"])
					wasOOM := oom[m.Actor.ID]
					if !wasOOM && code == 137 {
						if ins, err := b.cli.ContainerInspect(ctx, m.Actor.ID, client.ContainerInspectOptions{}); err == nil && ins.Container.State != nil {
							wasOOM = ins.Container.State.OOMKilled
						}
					}
					delete(oom, m.Actor.ID)
					b.d.died(u.s.name, code, wasOOM)
				case events.ActionStart:
					// The first start of a container was recorded by start().
					if starts[m.Actor.ID] > 1 {
						b.d.startedUnit(u.s.name)
						b.follow(u) // a log stream ends when its container dies
					}
				case events.ActionPause, events.ActionUnPause:
					b.d.opts.OnEvent(reportsEvent(b.d, string(m.Action), u.s.name))
				default:
					// "health_status: healthy|unhealthy" from an image's HEALTHCHECK.
					if status, ok := strings.CutPrefix(string(m.Action), "health_status: "); ok {
						e := reportsEvent(b.d, "health", u.s.name)
						e.Detail = status
						b.d.opts.OnEvent(e)
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// follow copies the container's logs into LogDir/<name>.log from now on.
func (b *dockerBackend) follow(u *dockerUnit) {
	if b.d.opts.LogDir == "" {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.mu.Lock()
	if old := b.loggers[u.id]; old != nil {
		old()
	}
	b.loggers[u.id] = cancel
	b.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		f, err := os.OpenFile(filepath.Join(b.d.opts.LogDir, u.s.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return
		}
		defer f.Close()
		rc, err := b.cli.ContainerLogs(ctx, u.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true,
			Since: strconv.FormatInt(time.Now().Add(-2*time.Second).Unix(), 10)})
		if err != nil {
			return
		}
		defer rc.Close()
		go func() { <-ctx.Done(); rc.Close() }()
		_, _ = stdcopy.StdCopy(f, f, rc)
	}()
}

// stats samples a container's working-set memory and CPU every second.
func (b *dockerBackend) stats(u *dockerUnit) {
	ctx := b.d.ctx
	for ctx.Err() == nil {
		res, err := b.cli.ContainerStats(ctx, u.id, client.ContainerStatsOptions{Stream: true})
		if err != nil {
			return // removed
		}
		dec := json.NewDecoder(res.Body)
		for {
			var st container.StatsResponse
			if err := dec.Decode(&st); err != nil {
				break
			}
			if st.Read.IsZero() || st.MemoryStats.Usage == 0 {
				continue // not running
			}
			mem := int64(st.MemoryStats.Usage)
			for _, k := range []string{"total_inactive_file", "inactive_file"} {
				if v, ok := st.MemoryStats.Stats[k]; ok && int64(v) < mem {
					mem -= int64(v)
					break
				}
			}
			cpu := 0.0
			if d := float64(st.CPUStats.SystemUsage) - float64(st.PreCPUStats.SystemUsage); d > 0 && st.PreCPUStats.SystemUsage > 0 {
				n := float64(st.CPUStats.OnlineCPUs)
				if n == 0 {
					n = 1
				}
				cpu = (float64(st.CPUStats.CPUUsage.TotalUsage) - float64(st.PreCPUStats.CPUUsage.TotalUsage)) / d * n
			}
			b.d.opts.OnSample(reportsSample(b.d, u.s.name, mem, cpu))
		}
		res.Body.Close()
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		if _, err := b.cli.ContainerInspect(ctx, u.id, client.ContainerInspectOptions{}); err != nil {
			return
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

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
