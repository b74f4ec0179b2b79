package sutrun

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut"
)

// Options configure Start.
type Options struct {
	RunID    string  // label value; required
	Name     string  // names the run's objects with the run id: <run id>-<name>-replica-1; "" = none
	Runtime  Runtime // RuntimeDocker (default) | RuntimeProcess
	RepoRoot string  // this repository's root; "" searches upward from the working directory
	Dir      string  // scenario folder, for sut.image.build
	LogDir   string  // SUT logs go to <LogDir>/<unit>.log, appended across restarts
	OnEvent  func(reports.Event)
	OnSample func(reports.Sample)
	Start    time.Time // origin of event offsets
	Logf     func(string, ...any)
	// TLS is how an https target (sut.url) is reached by the health
	// checks, as by the storm (storm.TLSConfig); nil: net/http's default.
	TLS *tls.Config

	// wrapEvents, in tests, wraps the Docker event source (to make it fail).
	wrapEvents func(eventSource) eventSource
	// healthyWithin, in tests, bounds the wait for a healthy SUT at start
	// (default StartTimeout).
	healthyWithin time.Duration
}

// StartTimeout bounds the wait for a started SUT to answer its health path.
const StartTimeout = 60 * time.Second

func (o *Options) defaults() {
	if o.Runtime == "" {
		o.Runtime = RuntimeDocker
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
	if o.healthyWithin == 0 {
		o.healthyWithin = StartTimeout
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
	network string  // host | bridge
	volume  string  // data volume: records (sync and async), the queue (async); "" = none
	mounts  []mount // sut.image.writable: a volume per path
	tmpfsMB int     // size of /tmp; 0 = scenarios.DefaultTmpfsMB
	user    string  // sut.image.user; "" = the image's (the reference image: sutUser)
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
	losses   map[loss]int    // observations that failed, for Notes
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
	var down *float64
	if d.health != "" || d.info.Kind != "url" {
		v := float64(int64(d.down.Seconds()*1000)) / 1000
		down = &v // probed; a watch without a health path measures no downtime
	}
	return reports.Crashes{
		Count: &c.count, OOMKills: &c.oomKills, Restarts: &c.restarts, DowntimeS: down,
		Events: append([]reports.CrashEvent{}, c.events...),
	}
}

// Start starts sut and waits until its entry point is healthy. It returns
// the partial Deployment together with any error, so the caller can Close
// what was started (Close is nil-safe).
func Start(ctx context.Context, want scenarios.SUT, opts Options) (*Deployment, error) {
	opts.defaults()
	d := &Deployment{opts: opts, expected: map[string]int{}, started: map[string]bool{}, queues: map[string]int64{}}
	if want.URL != "" {
		d.target = strings.TrimRight(want.URL, "/")
		d.info = reports.SUTInfo{Kind: "url", Runtime: string(RuntimeNone), Target: d.target}
		if want.Watch != nil {
			return d, d.watchStarted(ctx, *want.Watch)
		}
		return d, nil
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.ctx, d.stop = wctx, cancel
	switch opts.Runtime {
	case RuntimeDocker:
		b, err := newDockerBackend(ctx, d)
		if err != nil {
			return d, err
		}
		d.backend = b
	case RuntimeProcess:
		if want.Image != nil {
			return d, fmt.Errorf("runtime process runs the reference services only, not image %s", want.Image.Name)
		}
		b, err := newProcessBackend(ctx, d)
		if err != nil {
			return d, err
		}
		d.backend = b
	default:
		return d, fmt.Errorf("unknown runtime %q (docker or process)", opts.Runtime)
	}
	specs, lbSpec, err := d.plan(ctx, want)
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
	if err := waitHealthy(ctx, d.target+d.health, opts.healthyWithin); err != nil {
		return d, d.unhealthy(ctx, err)
	}
	if lbSpec != nil {
		// The balancer is healthy once one replica answers through it:
		// the storm must not start (nor a fault fall) while another is
		// still starting, or a killed replica leaves none to answer.
		for _, s := range specs {
			if err := waitHealthy(ctx, fmt.Sprintf("http://127.0.0.1:%d%s", s.port, d.health), opts.healthyWithin); err != nil {
				return d, d.unhealthy(ctx, fmt.Errorf("%s: %w", s.name, err))
			}
		}
	}
	d.wg.Add(2)
	go func() { defer d.wg.Done(); d.probe(wctx) }()
	go func() { defer d.wg.Done(); d.scrape(wctx) }()
	return d, nil
}

// plan turns the scenario's SUT into unit specs on fixed free ports.
func (d *Deployment) plan(ctx context.Context, want scenarios.SUT) ([]spec, *spec, error) {
	id := d.opts.RunID
	if d.opts.Name != "" {
		id += "-" + d.opts.Name
	}
	var specs []spec
	var lb *spec
	switch {
	case want.Reference != nil:
		r := want.Reference
		if want.Network == vocab.NetworkBridge && d.opts.Runtime == RuntimeDocker && r.Replicas > 1 {
			return nil, nil, errors.New("reference replicas behind the lb need network: host (bridge with replicas is not supported yet)")
		}
		image := ""
		if d.opts.Runtime == RuntimeDocker {
			img, err := BuildReferenceImage(ctx, d.opts.RepoRoot, d.opts.Logf)
			if err != nil {
				return nil, nil, err
			}
			image = img
		}
		var backends []string
		for i := 1; i <= r.Replicas; i++ {
			s, err := d.referenceSpec(want, image, fmt.Sprintf("%s-replica-%d", id, i), fmt.Sprintf("r%d", i), 0)
			if err != nil {
				return nil, nil, err
			}
			specs = append(specs, s)
			backends = append(backends, fmt.Sprintf("http://127.0.0.1:%d", s.port))
		}
		d.info = reports.SUTInfo{Kind: "reference", Mode: r.Mode, Image: image, Replicas: r.Replicas, Runtime: string(d.opts.Runtime), Network: want.Network}
		d.health = sut.HealthPath
		entry := specs[0].port
		if r.Replicas > 1 {
			port, err := freePort()
			if err != nil {
				return nil, nil, err
			}
			l := spec{name: id + "-lb", image: image, port: port, health: sut.HealthPath, network: vocab.NetworkHost, restart: want.Restart,
				args: sut.Args{Mode: sut.ModeLB, Addr: sut.HostAddr(port), Backends: backends}.Strings()}
			lb, entry = &l, port
		}
		d.target = fmt.Sprintf("http://127.0.0.1:%d", entry)
	case want.Image != nil:
		s, l, err := d.imagePlan(ctx, want, id)
		if err != nil {
			return nil, nil, err
		}
		specs, lb = s, l
	default:
		return nil, nil, errors.New("sut needs reference, image or url")
	}
	d.info.Target = d.target
	if r := want.Resources; r != nil && d.opts.Runtime == RuntimeDocker && (r.CPUs > 0 || r.Memory > 0 || r.Pids > 0) {
		d.info.Resources = &reports.Resources{CPUs: r.CPUs, MemoryBytes: int64(r.Memory), Pids: r.Pids}
	}
	return specs, lb, nil
}

// referenceSpec is one reference replica on a fixed free port (port 0
// picks one). Its listen address follows its network: loopback at the port
// on the host network, every interface at sut.Port on a bridge network
// (where Docker's mapping reaches it; a loopback listener would not be).
func (d *Deployment) referenceSpec(s scenarios.SUT, image, name, node string, port int) (spec, error) {
	if port == 0 {
		p, err := freePort()
		if err != nil {
			return spec{}, err
		}
		port = p
	}
	r := s.Reference
	sp := spec{name: name, image: image, port: port, cport: sut.Port, health: sut.HealthPath, network: s.Network,
		res: s.Resources, restart: s.Restart, metrics: true, volume: name + "-data"}
	args := sut.Args{Mode: r.Mode, Addr: sut.HostAddr(port), Node: node, Extra: r.Args}
	if s.Network == vocab.NetworkBridge {
		args.Addr = sut.BridgeAddr()
	}
	sp.args = args.Strings()
	return sp, nil
}

func (d *Deployment) expect(name string) {
	d.mu.Lock()
	d.expected[name]++
	d.mu.Unlock()
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
	d.opts.OnEvent(reports.Event{AtS: at, Kind: reports.EventDie, Container: name, Detail: fmt.Sprintf("%s, exit code %d", kind, exitCode)})
}

// restarted records that a container someone else started (sut.watch)
// started again under the same id.
func (d *Deployment) restarted(name string) {
	d.mu.Lock()
	if !d.closed {
		d.crashes.restarts++
	}
	d.mu.Unlock()
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: reports.EventRestart, Container: name})
}

// watchStarted watches the containers of a service someone else started
// (sut.watch) and, with a health path, probes it for downtime.
func (d *Deployment) watchStarted(ctx context.Context, sel scenarios.Watch) error {
	w, err := newUserWatch(ctx, d, sel)
	if err != nil {
		return err
	}
	d.backend = w
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.ctx, d.stop = wctx, cancel
	d.health = sel.Health
	if d.health != "" {
		d.wg.Add(1)
		go func() { defer d.wg.Done(); d.probe(wctx) }()
	}
	return nil
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
	kind := reports.EventStart
	if again {
		kind = reports.EventRestart
	}
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: kind, Container: name})
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

func reportsEvent(d *Deployment, kind reports.EventKind, name string) reports.Event {
	return reports.Event{AtS: d.offset(), Kind: kind, Container: name}
}

func reportsSample(d *Deployment, name string, mem int64, cpu float64) reports.Sample {
	return reports.Sample{At: time.Since(d.opts.Start), Container: name, MemBytes: mem, CPU: cpu, QueueDepth: d.queueOf(name)}
}

// imagePlan is a team image's replicas on fixed free ports, and with more
// than one, a round-robin proxy in front (the reference image in mode
// proxy, on the host network): the storm's target is the proxy.
func (d *Deployment) imagePlan(ctx context.Context, want scenarios.SUT, id string) ([]spec, *spec, error) {
	im := want.Image
	image, err := d.teamImage(ctx, im)
	if err != nil {
		return nil, nil, err
	}
	n := max(im.Replicas, 1)
	var specs []spec
	var backends []string
	for i := 1; i <= n; i++ {
		port, err := freePort()
		if err != nil {
			return nil, nil, err
		}
		name := id + "-sut"
		if n > 1 {
			name = fmt.Sprintf("%s-replica-%d", id, i)
		}
		s := spec{name: name, image: image, args: im.Args, env: im.Env, port: port, cport: im.Port, health: im.Health,
			network: want.Network, res: want.Resources, restart: want.Restart,
			mounts: writableMounts(nil, im.Writable, name), tmpfsMB: im.TmpfsMB, user: im.User}
		if want.Network == vocab.NetworkHost {
			s.port = im.Port // the image listens where it listens
		}
		specs = append(specs, s)
		backends = append(backends, fmt.Sprintf("http://127.0.0.1:%d", s.port))
	}
	d.info = reports.SUTInfo{Kind: "image", Image: image, Replicas: n, Runtime: string(RuntimeDocker), Network: want.Network}
	d.health = im.Health
	d.target = backends[0]
	if n == 1 {
		return specs, nil, nil
	}
	ref, err := BuildReferenceImage(ctx, d.opts.RepoRoot, d.opts.Logf)
	if err != nil {
		return nil, nil, fmt.Errorf("the proxy in front of %d replicas: %w", n, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	lb := &spec{name: id + "-lb", image: ref, port: port, health: sut.HealthPath, network: vocab.NetworkHost, restart: want.Restart,
		args: sut.Args{Mode: sut.ModeProxy, Addr: sut.HostAddr(port), Backends: backends}.Strings()}
	d.target = fmt.Sprintf("http://127.0.0.1:%d", port)
	return specs, lb, nil
}
