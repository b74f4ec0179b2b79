package sutrun

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
	"github.com/rehearse-dev/rehearse/reports"
)

// eventSource is the part of the Docker client the watch uses; tests wrap
// it to make the stream fail.
type eventSource interface {
	Events(ctx context.Context, options client.EventsListOptions) client.EventsResult
}

var _ eventSource = (*client.Client)(nil)

// watch follows the run's Docker events: die (with exit code), oom, start.
// The stream is re-subscribed with Since after an error so nothing is lost;
// every loss is counted, because crashes could have happened while it was
// down and the report must say so (Deployment.Notes).
func (b *dockerBackend) watch(ctx context.Context) {
	w := &eventWatch{b: b, oom: map[string]bool{}, starts: map[string]int{}}
	since := b.since
	for ctx.Err() == nil {
		f := b.eventFilters()
		// Since takes seconds.nanoseconds: resubscribing from the last event
		// (plus 1 ns) neither loses nor repeats one.
		res := b.events.Events(ctx, client.EventsListOptions{Since: fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond()), Filters: f})
		err := w.drain(ctx, res, &since)
		if ctx.Err() != nil {
			return
		}
		b.d.lost(lossEvents, fmt.Errorf("docker event stream: %w", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// eventFilters select the run's container events.
func (b *dockerBackend) eventFilters() client.Filters {
	return make(client.Filters).Add("type", "container").Add("label", Label+"="+b.d.opts.RunID)
}

// settle implements settler for the containers the run started.
func (b *dockerBackend) settle(ctx context.Context, end time.Time) error {
	b.mu.Lock()
	ids := make([]string, 0, len(b.units))
	for id := range b.units {
		ids = append(ids, id)
	}
	b.mu.Unlock()
	return settleEvents(ctx, b.cli, b.cursor, b.eventFilters(), b.since.Add(b.cursor.offsetNow()), end, ids)
}

// eventWatch is the state of the event stream across resubscriptions.
type eventWatch struct {
	b      *dockerBackend
	oom    map[string]bool // container id -> an oom event came before its die
	starts map[string]int  // container id -> start events seen
}

// drain handles one subscription's events until it fails or ctx ends, and
// returns the stream's error.
func (w *eventWatch) drain(ctx context.Context, res client.EventsResult, since *time.Time) error {
	return drainEvents(ctx, res, since, w.b.cursor, w.handle)
}

// drainEvents hands each event of one subscription to handle until the
// stream fails or ctx ends, and returns the stream's error; since follows
// the last event, so a resubscription neither loses nor repeats one, and
// cur records each event once handled (Settle waits on it).
func drainEvents(ctx context.Context, res client.EventsResult, since *time.Time, cur *eventCursor, handle func(context.Context, events.Message)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-res.Err:
			if err == nil {
				err = fmt.Errorf("stream ended")
			}
			return err
		case m := <-res.Messages:
			*since = time.Unix(0, m.TimeNano+1)
			handle(ctx, m)
			cur.handled(m)
		}
	}
}

// handle records one event of a unit of this run.
func (w *eventWatch) handle(ctx context.Context, m events.Message) {
	b := w.b
	if m.Action == events.ActionStart {
		// Counted before the unit is known: the first start event arrives
		// while testcontainers.Run is still waiting.
		w.starts[m.Actor.ID]++
	}
	b.mu.Lock()
	u := b.units[m.Actor.ID]
	b.mu.Unlock()
	if u == nil {
		return
	}
	switch m.Action {
	case events.ActionOOM:
		w.oom[m.Actor.ID] = true
	case events.ActionDie:
		code, _ := strconv.Atoi(m.Actor.Attributes["exitCode"])
		wasOOM := w.oom[m.Actor.ID]
		if !wasOOM && code == 137 {
			if ins, err := b.cli.ContainerInspect(ctx, m.Actor.ID, client.ContainerInspectOptions{}); err == nil && ins.Container.State != nil {
				wasOOM = ins.Container.State.OOMKilled
			}
		}
		delete(w.oom, m.Actor.ID)
		b.d.died(u.s.name, code, wasOOM)
	case events.ActionStart:
		// The first start of a container was recorded by start().
		if w.starts[m.Actor.ID] > 1 {
			b.d.startedUnit(u.s.name)
			b.follow(u) // a log stream ends when its container dies
		}
	case events.ActionPause, events.ActionUnPause:
		b.d.opts.OnEvent(reportsEvent(b.d, reports.EventKind(m.Action), u.s.name))
	default:
		// "health_status: healthy|unhealthy" from an image's HEALTHCHECK.
		if status, ok := strings.CutPrefix(string(m.Action), "health_status: "); ok {
			e := reportsEvent(b.d, reports.EventHealth, u.s.name)
			e.Detail = status
			b.d.opts.OnEvent(e)
		}
	}
}
