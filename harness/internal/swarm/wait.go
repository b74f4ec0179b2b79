package swarm

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// Progress is how a job's tasks stand while Run waits.
type Progress struct {
	Tasks    int // the job's task count
	Pending  int // created, not running yet (scheduling, preparing, starting)
	Running  int
	Complete int // exited 0
	Failed   int // ended otherwise: failed, rejected, shut down
	// Why is the engine's latest message about a task that is pending or
	// failed ("no suitable node", "No such image"), "" when none.
	Why string
}

// Done reports whether every task has ended.
func (p Progress) Done() bool { return p.Complete+p.Failed >= p.Tasks }

// pollEvery is how often the tasks are listed while Run waits.
const pollEvery = 500 * time.Millisecond

// taskLister is the part of the Docker client wait needs.
type taskLister interface {
	TaskList(ctx context.Context, o client.TaskListOptions) (client.TaskListResult, error)
}

var _ taskLister = (*client.Client)(nil)

// wait lists the service's tasks until each of its n slots holds an ended
// task (bySlot), calling progress (when set) on every change, and returns those
// tasks ordered by slot. It returns ctx's error when ctx ends first.
func wait(ctx context.Context, cli taskLister, serviceID string, n int, progress func(Progress)) ([]slotState, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var last Progress
	for {
		res, err := cli.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", serviceID)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("list the tasks of swarm service %s: %w", serviceID, err)
		}
		tasks := bySlot(res.Items, time.Now())
		p := tally(tasks, n)
		if progress != nil && p != last {
			progress(p)
		}
		last = p
		if p.Done() {
			return tasks, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// bySlot picks each slot's answer (pickSlot), ordered by slot. A
// replicated job may replace a task that exits non-zero before the
// service is removed: a slot has its answer when its first task that ran
// ends, and a replacement is stopped with the service.
func bySlot(all []swarm.Task, now time.Time) []slotState {
	by := map[int][]swarm.Task{}
	for _, t := range all {
		by[t.Slot] = append(by[t.Slot], t)
	}
	out := make([]slotState, 0, len(by))
	for _, ts := range by {
		out = append(out, pickSlot(ts, now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].task.Slot < out[j].task.Slot })
	return out
}

// tally counts tasks by state; slots with no task yet count as pending.
func tally(slots []slotState, n int) Progress {
	p := Progress{Tasks: n}
	for _, s := range slots {
		t := s.task
		switch st := t.Status.State; {
		case s.awaiting:
			p.Pending++
			p.Why = why(t) + "; Swarm starts it again"
		case st == swarm.TaskStateComplete:
			p.Complete++
		case st == swarm.TaskStateRunning:
			p.Running++
		case ended(st):
			p.Failed++
			p.Why = why(t)
		default:
			p.Pending++
			if t.Status.Err != "" {
				p.Why = why(t)
			}
		}
	}
	p.Pending += max(n-len(slots), 0)
	return p
}

// ended reports whether a task in state st will not run again.
func ended(st swarm.TaskState) bool {
	switch st {
	case swarm.TaskStateComplete, swarm.TaskStateFailed, swarm.TaskStateRejected,
		swarm.TaskStateShutdown, swarm.TaskStateRemove, swarm.TaskStateOrphaned:
		return true
	}
	return false
}

// why is the engine's word on a task: its error, else its message.
func why(t swarm.Task) string {
	msg := t.Status.Err
	if msg == "" {
		msg = t.Status.Message
	}
	return fmt.Sprintf("task %d: %s", t.Slot, msg)
}
