package sutrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// SettleTimeout bounds Settle: how long the watch waits for the engine to
// report what happened before the storm's end. Past it, the events still
// missing are a loss the report notes, never a silent "0 crashes".
const SettleTimeout = 15 * time.Second

// settler is a backend whose crash watch follows the engine's events.
type settler interface {
	settle(ctx context.Context, end time.Time) error
}

// Settle waits until the crash watch has taken in every event the engine
// emitted up to end (the storm's end, on the engine's own clock), and the
// death of every watched container whose process is already gone but
// whose death the engine has not reported yet (a kernel OOM kill in the
// storm's last moments: the engine emits its die event after the callers
// already saw their connections reset). Without it, a crash at the end of
// a storm could be read as none. It is nil-safe and does nothing for a
// service nobody watches; what it cannot take in within SettleTimeout is
// counted as a lost observation (Notes).
func (d *Deployment) Settle(ctx context.Context, end time.Time) {
	if d == nil {
		return
	}
	s, ok := d.backend.(settler)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, SettleTimeout)
	defer cancel()
	if err := s.settle(ctx, end); err != nil {
		d.lost(lossEvents, fmt.Errorf("take in the engine's events up to the storm's end: %w", err))
	}
}

// eventCursor is how far a crash watch has handled the engine's events:
// the last event's engine time, and the deaths handled per container.
// settleEvents waits on it.
type eventCursor struct {
	mu      sync.Mutex
	last    int64          // TimeNano of the last handled event
	dies    map[string]int // container id -> die events handled
	changed chan struct{}  // closed and replaced on every handled event
	offset  time.Duration  // engine clock minus ours, measured at start
	visible bool           // container pids are visible in this host's /proc
}

func newEventCursor() *eventCursor {
	return &eventCursor{dies: map[string]int{}, changed: make(chan struct{})}
}

// handled records that m was handled (after its handler returned).
func (c *eventCursor) handled(m events.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = max(c.last, m.TimeNano)
	if m.Action == events.ActionDie {
		c.dies[m.Actor.ID]++
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// waitUntil blocks until ok holds (read under the cursor's lock) or ctx ends.
func (c *eventCursor) waitUntil(ctx context.Context, ok func() bool) error {
	for {
		c.mu.Lock()
		done, changed := ok(), c.changed
		c.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// measure learns the engine's clock offset and whether the pid of a
// running container (id) is visible here, once, while the watch starts.
// Either failing leaves the default: offset 0, pids not checked.
func (c *eventCursor) measure(ctx context.Context, cli *client.Client, id string) {
	t0 := time.Now()
	info, err := cli.Info(ctx, client.InfoOptions{})
	t1 := time.Now()
	if err == nil {
		if at, perr := time.Parse(time.RFC3339Nano, info.Info.SystemTime); perr == nil {
			c.mu.Lock()
			c.offset = at.Sub(t0.Add(t1.Sub(t0) / 2))
			c.mu.Unlock()
		}
	}
	if id == "" || !strings.HasPrefix(cli.DaemonHost(), "unix://") {
		return
	}
	ins, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err == nil && ins.Container.State != nil && ins.Container.State.Running && processAlive(ins.Container.State.Pid) {
		c.mu.Lock()
		c.visible = true
		c.mu.Unlock()
	}
}

// settleEvents is Settle for a watch with cursor c over the containers
// ids, whose events the engine filters by f: it lists what the engine
// emitted up to end and waits until the watch handled the last of it,
// and until every container whose process is gone has its death handled.
func settleEvents(ctx context.Context, cli *client.Client, c *eventCursor, f client.Filters, since time.Time, end time.Time, ids []string) error {
	pending := pendingDeaths(ctx, cli, c, ids)
	c.mu.Lock()
	until := end.Add(c.offset)
	c.mu.Unlock()
	last, err := lastEventBefore(ctx, cli, f, since, until)
	if err != nil {
		return err
	}
	return c.waitUntil(ctx, func() bool {
		if c.last < last {
			return false
		}
		for id, n := range pending {
			if c.dies[id] <= n {
				return false
			}
		}
		return true
	})
}

// pendingDeaths are the containers the engine still calls running whose
// main process is gone from this host: their die event is on its way.
// The value is the deaths handled before the look, so the next one is
// recognised. Nothing is pending where pids are not visible here.
func pendingDeaths(ctx context.Context, cli *client.Client, c *eventCursor, ids []string) map[string]int {
	c.mu.Lock()
	visible := c.visible
	c.mu.Unlock()
	pending := map[string]int{}
	if !visible {
		return pending
	}
	for _, id := range ids {
		c.mu.Lock()
		n := c.dies[id]
		c.mu.Unlock()
		ins, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil || ins.Container.State == nil || !ins.Container.State.Running {
			continue
		}
		if !processAlive(ins.Container.State.Pid) {
			pending[id] = n
		}
	}
	return pending
}

// lastEventBefore is the engine time of the last event f matches between
// since and until, read from a subscription the engine itself closes at
// until (0 when there was none).
func lastEventBefore(ctx context.Context, cli *client.Client, f client.Filters, since, until time.Time) (int64, error) {
	res := cli.Events(ctx, client.EventsListOptions{Filters: f,
		Since: fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()),
		Until: fmt.Sprintf("%d.%09d", until.Unix(), until.Nanosecond())})
	var last int64
	for {
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case m := <-res.Messages:
			last = max(last, m.TimeNano)
		case err := <-res.Err:
			if err == nil || errors.Is(err, io.EOF) {
				return last, nil
			}
			return last, fmt.Errorf("list events up to %s: %w", until.Format(time.RFC3339Nano), err)
		}
	}
}

// processAlive reports whether pid is a live process here: present in
// /proc and not a zombie waiting for its parent.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses, which may hold spaces.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// offsetNow is the engine's clock offset measured so far.
func (c *eventCursor) offsetNow() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}
