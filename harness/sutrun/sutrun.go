// Package sutrun starts the service under test for a rehearsal — the
// reference services of sut/ or a team's image, in Docker containers with
// resource limits (testcontainers-go), or uploadsvc as local processes — and
// watches it: deaths, OOM kills, restarts, downtime, memory and CPU. It
// injects faults and performs upgrades, and removes everything it started.
// Every Docker object it creates carries the label rehearse.run=<run id>.
package sutrun

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Label is the Docker label every object of a run carries; its value is the
// run id.
const Label = "rehearse.run"

// ErrDockerUnavailable is returned (wrapped, with one sentence of advice)
// when the Docker engine does not answer.
var ErrDockerUnavailable = errors.New("docker is not reachable")

// Options configure Start.
type Options struct {
	RunID    string // label value; required
	Name     string // names the run's objects with the run id: <run id>-<name>-replica-1; "" = none
	Runtime  string // docker (default) | process
	RepoRoot string // this repository's root; "" searches upward from the working directory
	Dir      string // scenario folder, for sut.image.build
	LogDir   string // SUT logs go to <LogDir>/<unit>.log, appended across restarts
	OnEvent  func(reports.Event)
	OnSample func(reports.Sample)
	Start    time.Time // origin of event offsets
	Logf     func(string, ...any)
}

func (o *Options) defaults() {
	if o.Runtime == "" {
		o.Runtime = "docker"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.OnEvent == nil {
		o.OnEvent = func(reports.Event) {}
	}
	if o.OnSample == nil {
		o.OnSample = func(reports.Sample) {}
	}
	if o.Start.IsZero() {
		o.Start = time.Now()
	}
}

// unit is one running SUT process: a container or a local process.
type unit interface {
	name() string
	port() int
	act(ctx context.Context, action string) error // kill | stop | start | restart | pause | unpause
	remove(ctx context.Context) error
}

// spec is what a unit runs.
type spec struct {
	name    string
	image   string   // docker
	args    []string // uploadsvc or image args
	env     map[string]string
	port    int // host port (fixed for the run)
	cport   int // container port (bridge)
	health  string
	network string // host | bridge
	volume  string // async data volume ("" = none)
	res     *scenarios.Resources
	restart *scenarios.Restart
	metrics bool // scrape /metrics for queue depth
}

// Deployment is a started SUT. Close it.
type Deployment struct {
	opts    Options
	info    reports.SUTInfo
	target  string
	health  string
	backend interface {
		start(ctx context.Context, s spec) (unit, error)
		close(ctx context.Context) error
	}

	mu       sync.Mutex
	replicas []unit
	lb       unit
	specs    []spec // replica specs, for upgrades
	crashes  crashCounts
	expected map[string]int // unit name -> deaths we caused (stop, upgrade, close)
	started  map[string]bool
	queues   map[string]int64 // unit name -> last scraped queue depth
	down     time.Duration
	ctx      context.Context // ends when the deployment is closed
	stop     context.CancelFunc
	wg       sync.WaitGroup
	closed   bool
}

func (d *Deployment) offset() float64 { return time.Since(d.opts.Start).Seconds() }

// Target is the SUT's base URL on 127.0.0.1; it stays the same across
// restarts.
func (d *Deployment) Target() string {
	if d == nil {
		return ""
	}
	return d.target
}

// Info describes what was started.
func (d *Deployment) Info() reports.SUTInfo { return d.info }

// crashCounts is what the watcher counts; Crashes turns it into the report's
// form.
type crashCounts struct {
	count, oomKills, restarts int64
	events                    []reports.CrashEvent
}

// Crashes returns what the watcher saw so far. For a service rehearse did
// not start (sut.url) nothing was watched: the counts are nil, "not
// measured", never 0.
func (d *Deployment) Crashes() reports.Crashes {
	if d == nil || d.backend == nil {
		return reports.Crashes{Events: []reports.CrashEvent{}}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.crashes
	down := float64(int64(d.down.Seconds()*1000)) / 1000
	return reports.Crashes{
		Count: &c.count, OOMKills: &c.oomKills, Restarts: &c.restarts, DowntimeS: &down,
		Events: append([]reports.CrashEvent{}, c.events...),
	}
}

// Start starts sut and waits until its entry point is healthy. It returns
// the partial Deployment together with any error, so the caller can Close
// what was started (Close is nil-safe).
func Start(ctx context.Context, sut scenarios.SUT, opts Options) (*Deployment, error) {
	opts.defaults()
	d := &Deployment{opts: opts, expected: map[string]int{}, started: map[string]bool{}, queues: map[string]int64{}}
	if sut.URL != "" {
		d.target = strings.TrimRight(sut.URL, "/")
		d.info = reports.SUTInfo{Kind: "url", Runtime: "none", Target: d.target}
		return d, nil
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.ctx, d.stop = wctx, cancel
	switch opts.Runtime {
	case "docker":
		b, err := newDockerBackend(ctx, d)
		if err != nil {
			return d, err
		}
		d.backend = b
	case "process":
		if sut.Image != nil {
			return d, fmt.Errorf("runtime process runs the reference services only, not image %s", sut.Image.Name)
		}
		b, err := newProcessBackend(ctx, d)
		if err != nil {
			return d, err
		}
		d.backend = b
	default:
		return d, fmt.Errorf("unknown runtime %q (docker or process)", opts.Runtime)
	}
	specs, lbSpec, err := d.plan(ctx, sut)
	if err != nil {
		return d, err
	}
	d.specs = specs
	for _, s := range specs {
		u, err := d.backend.start(ctx, s)
		if u != nil {
			d.mu.Lock()
			d.replicas = append(d.replicas, u)
			d.mu.Unlock()
		}
		if err != nil {
			return d, fmt.Errorf("start %s: %w", s.name, err)
		}
	}
	if lbSpec != nil {
		u, err := d.backend.start(ctx, *lbSpec)
		d.lb = u
		if err != nil {
			return d, fmt.Errorf("start %s: %w", lbSpec.name, err)
		}
	}
	if err := waitHealthy(ctx, d.target+d.health, 60*time.Second); err != nil {
		return d, fmt.Errorf("sut never became healthy at %s%s: %w (see %s)", d.target, d.health, err, opts.LogDir)
	}
	d.wg.Add(2)
	go func() { defer d.wg.Done(); d.probe(wctx) }()
	go func() { defer d.wg.Done(); d.scrape(wctx) }()
	return d, nil
}

// plan turns the scenario's SUT into unit specs on fixed free ports.
func (d *Deployment) plan(ctx context.Context, sut scenarios.SUT) ([]spec, *spec, error) {
	id := d.opts.RunID
	if d.opts.Name != "" {
		id += "-" + d.opts.Name
	}
	var specs []spec
	var lb *spec
	switch {
	case sut.Reference != nil:
		r := sut.Reference
		if sut.Network == "bridge" && d.opts.Runtime == "docker" && r.Replicas > 1 {
			return nil, nil, errors.New("reference replicas behind the lb need network: host (bridge with replicas is not supported yet)")
		}
		image := ""
		if d.opts.Runtime == "docker" {
			img, err := BuildReferenceImage(ctx, d.opts.RepoRoot, d.opts.Logf)
			if err != nil {
				return nil, nil, err
			}
			image = img
		}
		var backends []string
		for i := 1; i <= r.Replicas; i++ {
			s, err := d.referenceSpec(sut, image, fmt.Sprintf("%s-replica-%d", id, i), fmt.Sprintf("r%d", i))
			if err != nil {
				return nil, nil, err
			}
			specs = append(specs, s)
			backends = append(backends, fmt.Sprintf("http://127.0.0.1:%d", s.port))
		}
		d.info = reports.SUTInfo{Kind: "reference", Mode: r.Mode, Image: image, Replicas: r.Replicas, Runtime: d.opts.Runtime, Network: sut.Network}
		d.health = "/healthz"
		entry := specs[0].port
		if r.Replicas > 1 {
			port, err := freePort()
			if err != nil {
				return nil, nil, err
			}
			l := spec{name: id + "-lb", image: image, port: port, health: "/healthz", network: "host", restart: sut.Restart,
				args: []string{"--mode=lb", fmt.Sprintf("--addr=127.0.0.1:%d", port), "--backends=" + strings.Join(backends, ",")}}
			lb, entry = &l, port
		}
		d.target = fmt.Sprintf("http://127.0.0.1:%d", entry)
	case sut.Image != nil:
		im := sut.Image
		image, err := d.teamImage(ctx, im)
		if err != nil {
			return nil, nil, err
		}
		port, err := freePort()
		if err != nil {
			return nil, nil, err
		}
		s := spec{name: id + "-sut", image: image, args: im.Args, env: im.Env, port: port, cport: im.Port, health: im.Health,
			network: sut.Network, res: sut.Resources, restart: sut.Restart}
		if sut.Network == "host" {
			s.port = im.Port // the image listens where it listens
		}
		specs = append(specs, s)
		d.info = reports.SUTInfo{Kind: "image", Image: image, Replicas: 1, Runtime: "docker", Network: sut.Network}
		d.health = im.Health
		d.target = fmt.Sprintf("http://127.0.0.1:%d", s.port)
	default:
		return nil, nil, errors.New("sut needs reference, image or url")
	}
	d.info.Target = d.target
	if r := sut.Resources; r != nil && d.opts.Runtime == "docker" && (r.CPUs > 0 || r.Memory > 0 || r.Pids > 0) {
		d.info.Resources = &reports.Resources{CPUs: r.CPUs, MemoryBytes: int64(r.Memory), Pids: r.Pids}
	}
	return specs, lb, nil
}

func (d *Deployment) referenceSpec(sut scenarios.SUT, image, name, node string) (spec, error) {
	port, err := freePort()
	if err != nil {
		return spec{}, err
	}
	r := sut.Reference
	s := spec{name: name, image: image, port: port, cport: 8080, health: "/healthz", network: sut.Network,
		res: sut.Resources, restart: sut.Restart, metrics: true, volume: name + "-data"}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if sut.Network == "bridge" {
		addr = ":8080"
	}
	s.args = append([]string{"--mode=" + r.Mode, "--addr=" + addr, "--node=" + node}, r.Args...)
	return s, nil
}

// Fault applies action (kill | stop | start | restart | pause | unpause) to
// target (sut = every replica, lb, or replica-N) and records an event.
func (d *Deployment) Fault(ctx context.Context, action, target string) error {
	units, err := d.targets(target)
	if err != nil {
		return err
	}
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: "fault", Container: target, Detail: action + " " + target})
	var errs []error
	for _, u := range units {
		if action == "stop" {
			d.expect(u.name())
		}
		errs = append(errs, u.act(ctx, action))
	}
	return errors.Join(errs...)
}

func (d *Deployment) targets(target string) ([]unit, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case target == "sut":
		return append([]unit{}, d.replicas...), nil
	case target == "lb":
		if d.lb == nil {
			return nil, errors.New("fault target lb: this SUT has no lb (replicas: 1)")
		}
		return []unit{d.lb}, nil
	case strings.HasPrefix(target, "replica-"):
		i, err := strconv.Atoi(strings.TrimPrefix(target, "replica-"))
		if err != nil || i < 1 || i > len(d.replicas) {
			return nil, fmt.Errorf("fault target %s: there are %d replicas", target, len(d.replicas))
		}
		return []unit{d.replicas[i-1]}, nil
	}
	return nil, fmt.Errorf("unknown fault target %q", target)
}

func (d *Deployment) expect(name string) {
	d.mu.Lock()
	d.expected[name]++
	d.mu.Unlock()
}

// Upgrade moves the running replicas to the candidate under load. rolling
// replaces one replica at a time (the lb skips the one being replaced);
// recreate stops them all, then starts the new ones. Each replica keeps its
// port and its async data volume, so queued work survives the upgrade.
func (d *Deployment) Upgrade(ctx context.Context, to scenarios.SUT, strategy string) error {
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: "upgrade", Detail: "begin " + strategy})
	if to.Reference == nil && to.Image == nil {
		return errors.New("upgrade: to needs reference or image")
	}
	image := d.info.Image
	if to.Reference != nil && d.opts.Runtime == "docker" && image == "" {
		img, err := BuildReferenceImage(ctx, d.opts.RepoRoot, d.opts.Logf)
		if err != nil {
			return err
		}
		image = img
	}
	var news []spec
	for i, old := range d.specs {
		var s spec
		if to.Reference != nil {
			sut := to
			sut.Network = old.network
			if sut.Resources == nil {
				sut.Resources = old.res
			}
			if sut.Restart == nil {
				sut.Restart = old.restart
			}
			ns, err := d.referenceSpec(sut, image, old.name, fmt.Sprintf("r%d", i+1))
			if err != nil {
				return err
			}
			ns.port, ns.args[1] = old.port, fmt.Sprintf("--addr=127.0.0.1:%d", old.port)
			s = ns
		} else {
			img, err := d.teamImage(ctx, to.Image)
			if err != nil {
				return err
			}
			s = old
			s.image, s.args, s.env = img, to.Image.Args, to.Image.Env
		}
		s.name = fmt.Sprintf("%s-v2", old.name)
		news = append(news, s)
	}
	replace := func(i int) error {
		d.mu.Lock()
		old := d.replicas[i]
		d.mu.Unlock()
		d.expect(old.name())
		if err := old.remove(ctx); err != nil {
			return err
		}
		u, err := d.backend.start(ctx, news[i])
		if u != nil {
			d.mu.Lock()
			d.replicas[i] = u
			d.mu.Unlock()
		}
		if err != nil {
			return err
		}
		return waitHealthy(ctx, fmt.Sprintf("http://127.0.0.1:%d%s", news[i].port, news[i].health), 60*time.Second)
	}
	var err error
	if strategy == "recreate" {
		for i := range news {
			d.mu.Lock()
			old := d.replicas[i]
			d.mu.Unlock()
			d.expect(old.name())
			err = errors.Join(err, old.remove(ctx))
		}
		for i := range news {
			u, serr := d.backend.start(ctx, news[i])
			if u != nil {
				d.mu.Lock()
				d.replicas[i] = u
				d.mu.Unlock()
			}
			err = errors.Join(err, serr)
		}
		for i := range news {
			err = errors.Join(err, waitHealthy(ctx, fmt.Sprintf("http://127.0.0.1:%d%s", news[i].port, news[i].health), 60*time.Second))
		}
	} else {
		for i := range news {
			if err = replace(i); err != nil {
				break
			}
		}
	}
	d.specs = news
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: "upgrade", Detail: "end " + strategy})
	return err
}

// died records a unit's death; expected deaths (stop, upgrade, close) are
// events but not crashes.
func (d *Deployment) died(name string, exitCode int, oom bool) {
	kind := "crash"
	switch {
	case oom:
		kind = "oom"
	case exitCode == 137:
		kind = "killed"
	case exitCode == 0:
		kind = "exit"
	}
	at := d.offset()
	d.mu.Lock()
	crash := d.expected[name] == 0 && !d.closed
	if !crash && d.expected[name] > 0 {
		d.expected[name]--
	}
	if crash {
		d.crashes.count++
		if oom {
			d.crashes.oomKills++
		}
		d.crashes.events = append(d.crashes.events, reports.CrashEvent{AtS: at, Container: name, Kind: kind, ExitCode: exitCode, OOMKilled: oom})
	}
	d.mu.Unlock()
	d.opts.OnEvent(reports.Event{AtS: at, Kind: "die", Container: name, Detail: fmt.Sprintf("%s, exit code %d", kind, exitCode)})
}

// startedUnit records a start; a unit's second and later starts are restarts.
func (d *Deployment) startedUnit(name string) {
	d.mu.Lock()
	again := d.started[name]
	d.started[name] = true
	if again && !d.closed {
		d.crashes.restarts++
	}
	d.mu.Unlock()
	kind := "start"
	if again {
		kind = "restart"
	}
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: kind, Container: name})
}

// probe measures downtime: time during which no upstream answers its health
// path with 2xx (the entry point, and behind an lb at least one replica),
// probed every 100 ms.
func (d *Deployment) probe(ctx context.Context) {
	client := &http.Client{Timeout: 1 * time.Second}
	healthy := func(url string) bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode < 300
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			ok := healthy(d.target + d.health)
			d.mu.Lock()
			behind := d.lb != nil
			units := append([]unit{}, d.replicas...)
			d.mu.Unlock()
			if ok && behind {
				ok = false
				for _, u := range units {
					if healthy(fmt.Sprintf("http://127.0.0.1:%d%s", u.port(), d.health)) {
						ok = true
						break
					}
				}
			}
			if !ok {
				d.mu.Lock()
				d.down += now.Sub(last)
				d.mu.Unlock()
			}
			last = now
		}
	}
}

// scrape reads each reference replica's queue depth from /metrics.
func (d *Deployment) scrape(ctx context.Context) {
	if d.info.Kind != "reference" {
		return
	}
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		d.mu.Lock()
		units := append([]unit{}, d.replicas...)
		d.mu.Unlock()
		for _, u := range units {
			q := queueDepth(client, fmt.Sprintf("http://127.0.0.1:%d/metrics", u.port()))
			d.setQueue(u.name(), q)
		}
	}
}

func (d *Deployment) setQueue(name string, q int64) {
	d.mu.Lock()
	d.queues[name] = q
	d.mu.Unlock()
}

// queueOf is the last queue depth scraped from unit name, -1 when unknown.
func (d *Deployment) queueOf(name string) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q, ok := d.queues[name]; ok {
		return q
	}
	return -1
}

func queueDepth(c *http.Client, url string) int64 {
	resp, err := c.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "uploadsvc_queue_depth "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return int64(f)
			}
		}
	}
	return -1
}

// Close removes every container, network and volume of the deployment. It
// is nil-safe and idempotent.
func (d *Deployment) Close(ctx context.Context) error {
	if d == nil || d.backend == nil {
		return nil
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	units := append(append([]unit{}, d.replicas...), d.lb)
	d.mu.Unlock()
	if d.stop != nil {
		d.stop()
	}
	var errs []error
	for _, u := range units {
		if u != nil {
			errs = append(errs, u.remove(ctx))
		}
	}
	errs = append(errs, d.backend.close(ctx))
	d.wg.Wait()
	return errors.Join(errs...)
}

func waitHealthy(ctx context.Context, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("no healthy answer in %s: %v", timeout, last)
}

// freePort returns a free TCP port on 127.0.0.1 below the kernel's
// ephemeral range (32768-60999 here): a port picked from that range can be
// taken as the local port of an outgoing connection (the storm opens
// thousands) before the SUT binds it.
func freePort() (int, error) {
	for range 200 {
		p := 20000 + rand.IntN(12000)
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			l.Close()
			return p, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// repoRoot finds this repository: dir or its parents holding go.mod of
// github.com/rehearse-dev/rehearse.
func repoRoot(dir string) (string, error) {
	if dir == "" {
		dir, _ = os.Getwd()
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/rehearse-dev/rehearse\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("cannot find the rehearse source tree (go.mod) above %s to build the reference service; run rehearse from the repository", dir)
		}
	}
}

func reportsEvent(d *Deployment, kind, name string) reports.Event {
	return reports.Event{AtS: d.offset(), Kind: kind, Container: name}
}

func reportsSample(d *Deployment, name string, mem int64, cpu float64) reports.Sample {
	return reports.Sample{At: time.Since(d.opts.Start), Container: name, MemBytes: mem, CPU: cpu, QueueDepth: d.queueOf(name)}
}
