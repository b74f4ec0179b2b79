package sutrun

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

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
