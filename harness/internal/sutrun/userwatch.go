package sutrun

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// userWatch is the crash watch of containers someone else started
// (sut.watch, attack --watch): the team's compose project, a container
// started by hand. rehearse starts and removes nothing there; it follows
// the containers the selector matches, including those that replace them
// (compose recreating a service), and counts what happened to them:
//   - a death after an API kill or stop (docker stop, compose recreate,
//     an operator) is an event, not a crash;
//   - a death without one — the process exited by itself, or the kernel
//     OOM-killed it — is a crash;
//   - a container started again under the same id is a restart; a new
//     container under a known name is a replacement, not a restart.
type userWatch struct {
	d   *Deployment
	cli *client.Client
	sel scenarios.Watch

	mu      sync.Mutex
	names   map[string]string // container id -> name, for the containers followed
	started map[string]bool   // container id -> started at least once
	killed  map[string]int    // container id -> API kills/stops not yet matched by a death
	oom     map[string]bool   // container id -> an oom event came before its die
	wg      sync.WaitGroup
	stop    context.CancelFunc
	cursor  *eventCursor // how far the events are handled (Settle)
	since   time.Time    // when the watch began, on our clock
}

// newUserWatch finds the containers sel matches and starts following
// their events. A selector that matches no container is an error before
// the storm: a typo must not read as "no crash".
func newUserWatch(ctx context.Context, d *Deployment, sel scenarios.Watch) (*userWatch, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	w := &userWatch{d: d, cli: cli, sel: sel, names: map[string]string{}, started: map[string]bool{},
		killed: map[string]int{}, oom: map[string]bool{}, cursor: newEventCursor()}
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: w.filters()})
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("sut.watch: list containers: %w", err)
	}
	running := ""
	for _, c := range list.Items {
		name := strings.TrimPrefix(firstName(c.Names), "/")
		w.names[c.ID], w.started[c.ID] = name, c.State == "running"
		if c.State == "running" {
			running = c.ID
		}
	}
	if len(w.names) == 0 {
		cli.Close()
		return nil, fmt.Errorf("%w: sut.watch: no container matches %s (check with `docker ps -a --filter %s`)", scenarios.ErrInvalid, w.describe(), w.describeFilter())
	}
	w.since = time.Now()
	w.cursor.measure(ctx, cli, running)
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.stop = cancel
	w.wg.Add(1)
	go func() { defer w.wg.Done(); w.follow(wctx, w.since) }()
	return w, nil
}

func firstName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// filters selects the watched containers by label or by names.
func (w *userWatch) filters() client.Filters {
	f := make(client.Filters)
	if w.sel.Label != "" {
		return f.Add("label", w.sel.Label)
	}
	for _, n := range w.sel.Names {
		f = f.Add("name", n)
	}
	return f
}

func (w *userWatch) describe() string {
	if w.sel.Label != "" {
		return "label " + w.sel.Label
	}
	return "names " + strings.Join(w.sel.Names, ", ")
}

func (w *userWatch) describeFilter() string {
	if w.sel.Label != "" {
		return "label=" + w.sel.Label
	}
	return "name=" + w.sel.Names[0]
}

// follow reads the engine's container events from since until ctx ends,
// resubscribing after a failure (counted: crashes could hide there).
func (w *userWatch) follow(ctx context.Context, since time.Time) {
	for ctx.Err() == nil {
		f := w.eventFilters()
		res := w.cli.Events(ctx, client.EventsListOptions{Since: fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()), Filters: f})
		err := w.drain(ctx, res, &since)
		if ctx.Err() != nil {
			return
		}
		w.d.lost(lossEvents, fmt.Errorf("docker event stream: %w", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// eventFilters select the followed containers' events.
func (w *userWatch) eventFilters() client.Filters {
	if w.sel.Label != "" {
		return w.filters().Add("type", "container")
	}
	// Names are matched by the engine as "container=name".
	f := make(client.Filters).Add("type", "container")
	for _, n := range w.sel.Names {
		f = f.Add("container", n)
	}
	return f
}

// settle implements settler for the containers followed.
func (w *userWatch) settle(ctx context.Context, end time.Time) error {
	w.mu.Lock()
	ids := make([]string, 0, len(w.names))
	for id := range w.names {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	return settleEvents(ctx, w.cli, w.cursor, w.eventFilters(), w.since.Add(w.cursor.offsetNow()), end, ids)
}

// drain handles one subscription's events until it fails or ctx ends.
func (w *userWatch) drain(ctx context.Context, res client.EventsResult, since *time.Time) error {
	return drainEvents(ctx, res, since, w.cursor, w.handle)
}

// handle counts one event of a followed container.
func (w *userWatch) handle(ctx context.Context, m events.Message) {
	id, name := m.Actor.ID, strings.TrimPrefix(m.Actor.Attributes["name"], "/")
	w.mu.Lock()
	defer w.mu.Unlock()
	switch m.Action {
	case events.ActionCreate:
		w.names[id] = name
	case events.ActionKill, events.ActionStop:
		if m.Action == events.ActionKill || w.killed[id] == 0 {
			w.killed[id]++
		}
	case events.ActionOOM:
		w.oom[id] = true
	case events.ActionDie:
		w.died(ctx, id, name, m)
	case events.ActionStart:
		if w.started[id] {
			w.d.restarted(name)
		} else {
			e := reportsEvent(w.d, reports.EventStart, name)
			e.Detail = "followed (a replacement is not a restart)"
			w.d.opts.OnEvent(e)
		}
		w.started[id] = true
	case events.ActionDestroy:
		delete(w.names, id)
		delete(w.started, id)
		delete(w.killed, id)
	}
}

// died records a death: a crash unless an API kill or stop came first
// (an OOM kill is always a crash).
func (w *userWatch) died(ctx context.Context, id, name string, m events.Message) {
	code, _ := strconv.Atoi(m.Actor.Attributes["exitCode"])
	oom := w.oom[id]
	if !oom && code == 137 {
		if ins, err := w.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{}); err == nil && ins.Container.State != nil {
			oom = ins.Container.State.OOMKilled
		}
	}
	delete(w.oom, id)
	if w.killed[id] > 0 && !oom {
		w.killed[id] = 0
		w.d.expect(name) // stopped on purpose: an event, not a crash
	}
	w.d.died(name, code, oom)
}

// start implements the backend: a watch starts nothing.
func (w *userWatch) start(context.Context, spec) (unit, error) {
	return nil, fmt.Errorf("sut.watch starts no container")
}

// close stops following; the containers are the team's and stay.
func (w *userWatch) close(context.Context) error {
	w.stop()
	w.wg.Wait()
	return w.cli.Close()
}
