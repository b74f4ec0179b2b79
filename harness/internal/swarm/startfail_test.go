package swarm

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// busy is the engine's word on the start failure seen in CI (moby#48783).
const busy = "starting container failed: unable to remount dir as readonly: mount tmpfs:/var/lib/docker/containers/x/mounts/secrets, flags: 0x21, data: uid=0,gid=0: device or resource busy"

func task(id string, at time.Time, st swarm.TaskState, err string) swarm.Task {
	t := swarm.Task{ID: id, Slot: 2, Status: swarm.TaskStatus{State: st, Err: err, Timestamp: at}}
	t.CreatedAt = at
	return t
}

func TestPickSlot(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	failed := func(id string, s int) swarm.Task { return task(id, at(s), swarm.TaskStateFailed, busy) }
	for _, c := range []struct {
		name     string
		tasks    []swarm.Task
		now      time.Time
		want     string
		failures int
		awaiting bool
	}{
		{"ran and failed: its own answer", []swarm.Task{task("a", at(0), swarm.TaskStateFailed, "task: non-zero exit (3)"), task("b", at(1), swarm.TaskStateRunning, "")}, at(2), "a", 0, false},
		{"failed to start, replacement running", []swarm.Task{failed("a", 0), task("b", at(1), swarm.TaskStateRunning, "")}, at(2), "b", 1, false},
		{"failed to start, replacement done", []swarm.Task{task("b", at(1), swarm.TaskStateComplete, ""), failed("a", 0)}, at(2), "b", 1, false},
		{"failed to start, replacement due", []swarm.Task{failed("a", 0)}, at(1), "a", 1, true},
		{"rejected, replacement due", []swarm.Task{task("a", at(0), swarm.TaskStateRejected, "No such image")}, at(1), "a", 1, true},
		{"failed to start three times", []swarm.Task{failed("a", 0), failed("b", 1), failed("c", 2)}, at(3), "c", 3, false},
		{"no replacement within the wait", []swarm.Task{failed("a", 0)}, at(0).Add(replacementWait), "a", 1, false},
	} {
		s := pickSlot(c.tasks, c.now)
		if s.task.ID != c.want || s.startFailures != c.failures || s.awaiting != c.awaiting {
			t.Errorf("%s: got task %s, %d start failures, awaiting %v; want %s, %d, %v", c.name, s.task.ID, s.startFailures, s.awaiting, c.want, c.failures, c.awaiting)
		}
		if c.failures > 0 && s.firstStartErr != c.tasks[0].Status.Err && c.name != "failed to start, replacement done" {
			t.Errorf("%s: first start error %q", c.name, s.firstStartErr)
		}
	}
}

// restarted plays one slot whose first task fails to start at 1s, and
// Swarm's replacement, created a second later, which completes at 4s.
type restarted struct{ start time.Time }

func (r restarted) TaskList(context.Context, client.TaskListOptions) (client.TaskListResult, error) {
	el := time.Since(r.start)
	first := task("first", r.start, swarm.TaskStatePreparing, "")
	if el >= time.Second {
		first.Status = swarm.TaskStatus{State: swarm.TaskStateFailed, Err: busy, Timestamp: r.start.Add(time.Second)}
	}
	out := []swarm.Task{first}
	if el >= 2*time.Second {
		st := swarm.TaskStateRunning
		if el >= 4*time.Second {
			st = swarm.TaskStateComplete
		}
		out = append(out, task("second", r.start.Add(2*time.Second), st, ""))
	}
	return client.TaskListResult{Items: out}, nil
}

// TestWaitThroughAFailedStart: a task the engine failed to start does not
// end its slot; the slot ends with Swarm's replacement, which counts the
// failure.
func TestWaitThroughAFailedStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var seen []Progress
		slots, err := wait(t.Context(), restarted{start}, "svc", 1, func(p Progress) { seen = append(seen, p) })
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < 4*time.Second {
			t.Errorf("wait ended after %s, before the replacement did", took)
		}
		if len(slots) != 1 || slots[0].task.ID != "second" || slots[0].startFailures != 1 || slots[0].firstStartErr != busy {
			t.Fatalf("slots %+v", slots)
		}
		for _, p := range seen {
			if p.Failed != 0 {
				t.Errorf("progress %+v: a failed start counted as a failed task", p)
			}
		}
	})
}
