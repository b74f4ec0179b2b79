package sutrun

import (
	"context"
	"errors"
	"fmt"
	"github.com/rehearse-dev/rehearse/internal/vocab"
	"github.com/rehearse-dev/rehearse/reports"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// processBackend runs uploadsvc as local child processes, for machines
// without Docker. No resource limits apply; a crash is a process exit.
type processBackend struct {
	d    *Deployment
	bin  string
	dir  string // data folders
	wg   sync.WaitGroup
	tick time.Duration
}

func newProcessBackend(ctx context.Context, d *Deployment) (*processBackend, error) {
	root, err := repoRoot(d.opts.RepoRoot)
	if err != nil {
		return nil, err
	}
	bin, err := buildUploadsvc(ctx, root)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rehearse-"+d.opts.RunID+"-")
	if err != nil {
		return nil, err
	}
	return &processBackend{d: d, bin: bin, dir: dir, tick: time.Second}, nil
}

type procUnit struct {
	b        *processBackend
	s        spec
	mu       sync.Mutex
	cmd      *exec.Cmd
	stopped  bool // by a stop fault or removal: do not restart
	restarts int
	exited   chan struct{}
}

func (u *procUnit) name() string { return u.s.name }
func (u *procUnit) port() int    { return u.s.port }

func (b *processBackend) start(ctx context.Context, s spec) (unit, error) {
	u := &procUnit{b: b, s: s}
	if err := u.launch(); err != nil {
		return nil, err
	}
	b.wg.Add(1)
	go func() { defer b.wg.Done(); b.sample(u) }()
	return u, nil
}

// launch starts the process and a goroutine that records its exit and
// applies the restart policy.
func (u *procUnit) launch() error {
	args := append([]string{}, u.s.args...)
	if u.s.volume != "" {
		data := filepath.Join(u.b.dir, u.s.volume)
		args = append(args, "--data="+data)
	}
	cmd := exec.Command(u.b.bin, args...)
	if u.b.d.opts.LogDir != "" {
		f, err := os.OpenFile(filepath.Join(u.b.d.opts.LogDir, u.s.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			cmd.Stdout, cmd.Stderr = f, f
			defer f.Close() // the child holds its own descriptor
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", u.s.name, err)
	}
	exited := make(chan struct{})
	u.mu.Lock()
	u.cmd, u.exited = cmd, exited
	u.mu.Unlock()
	u.b.d.startedUnit(u.s.name)
	go func() {
		err := cmd.Wait()
		close(exited)
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
		}
		u.b.d.died(u.s.name, code, false)
		u.mu.Lock()
		restart := !u.stopped && u.shouldRestart(code)
		if restart {
			u.restarts++
		}
		u.mu.Unlock()
		if restart {
			time.Sleep(100 * time.Millisecond)
			if err := u.launch(); err != nil {
				// The restart policy could not start it again: the run's
				// events say so, rather than the unit staying down unseen.
				u.b.d.opts.OnEvent(reports.Event{AtS: u.b.d.offset(), Kind: reports.EventRestart, Container: u.s.name,
					Detail: "restart failed: " + err.Error()})
			}
		}
	}()
	return nil
}

func (u *procUnit) shouldRestart(code int) bool {
	rs := u.s.restart
	if rs == nil {
		return false
	}
	switch rs.Policy {
	case vocab.RestartAlways:
		return true
	case vocab.RestartOnFailure:
		return code != 0 && (rs.Max == 0 || u.restarts < rs.Max)
	}
	return false
}

func (u *procUnit) signal(sig syscall.Signal) error {
	u.mu.Lock()
	cmd := u.cmd
	u.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return errors.New("not running")
	}
	return cmd.Process.Signal(sig)
}

func (u *procUnit) wait(timeout time.Duration) {
	u.mu.Lock()
	ch := u.exited
	u.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(timeout):
		_ = u.signal(syscall.SIGKILL)
		<-ch
	}
}

func (u *procUnit) act(ctx context.Context, action string) error {
	switch action {
	case "kill":
		return u.signal(syscall.SIGKILL)
	case "stop":
		u.mu.Lock()
		u.stopped = true
		u.mu.Unlock()
		err := u.signal(syscall.SIGTERM)
		u.wait(10 * time.Second)
		return err
	case "start":
		u.mu.Lock()
		u.stopped = false
		u.mu.Unlock()
		return u.launch()
	case "restart":
		u.b.d.expect(u.s.name)
		if err := u.act(ctx, "stop"); err != nil {
			return err
		}
		return u.act(ctx, "start")
	case "pause":
		return u.signal(syscall.SIGSTOP)
	case "unpause":
		return u.signal(syscall.SIGCONT)
	}
	return fmt.Errorf("unknown action %q", action)
}

func (u *procUnit) remove(ctx context.Context) error {
	u.mu.Lock()
	already := u.stopped
	u.stopped = true
	u.mu.Unlock()
	if already {
		return nil
	}
	_ = u.signal(syscall.SIGCONT)
	_ = u.signal(syscall.SIGTERM)
	u.wait(10 * time.Second)
	return nil
}

// sample reads the process's resident memory and CPU from /proc every tick.
func (b *processBackend) sample(u *procUnit) {
	var lastCPU float64
	last := time.Now()
	t := time.NewTicker(b.tick)
	defer t.Stop()
	for {
		select {
		case <-b.d.ctx.Done():
			return
		case now := <-t.C:
			u.mu.Lock()
			cmd := u.cmd
			u.mu.Unlock()
			if cmd == nil || cmd.Process == nil {
				continue
			}
			rss, cpu, ok := procStat(cmd.Process.Pid)
			if !ok {
				continue
			}
			cores := 0.0
			if lastCPU > 0 && cpu >= lastCPU {
				cores = (cpu - lastCPU) / now.Sub(last).Seconds()
			}
			lastCPU, last = cpu, now
			b.d.opts.OnSample(reportsSample(b.d, u.s.name, rss, cores))
		}
	}
}

// procStat returns resident bytes and CPU seconds of pid.
func procStat(pid int) (int64, float64, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 22 {
		return 0, 0, false
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	rssPages, _ := strconv.ParseInt(f[21], 10, 64)
	return rssPages * int64(os.Getpagesize()), (utime + stime) / 100, true // USER_HZ = 100
}

func (b *processBackend) close(ctx context.Context) error {
	b.wg.Wait()
	return os.RemoveAll(b.dir)
}
