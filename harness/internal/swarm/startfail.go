package swarm

import (
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/swarm"
)

// A task the engine could not start never ran rehearse, so it sent no
// load, and Swarm replaces it whatever the restart policy (Docker 20.10
// does so about once a second). The engine fails such starts now and then
// on its own (moby#48783: "unable to remount dir as readonly … device or
// resource busy" on the secrets tmpfs), so one failed start must not cost
// the shard: the slot waits for the replacement, which runs late (the
// merged report says how late). A start that keeps failing (an image
// without its entrypoint) is the slot's answer after maxStartFailures.

// maxStartFailures is how many failed starts a slot waits through.
const maxStartFailures = 3

// replacementWait is how long a slot whose task failed to start waits for
// Swarm's replacement before that failure is its answer: an engine that
// stopped replacing must not hold the run for ever.
const replacementWait = 30 * time.Second

// startErrPrefix is how the engine's swarm executor words a container that
// was created but did not start (daemon/cluster/executor/container).
const startErrPrefix = "starting container failed"

// neverRan reports whether t ended before its process started: rejected
// by the node, or failed to start.
func neverRan(t swarm.Task) bool {
	switch t.Status.State {
	case swarm.TaskStateRejected:
		return true
	case swarm.TaskStateFailed:
		return strings.HasPrefix(t.Status.Err, startErrPrefix)
	}
	return false
}

// slotState is one slot's answer so far.
type slotState struct {
	task swarm.Task
	// startFailures counts the slot's tasks that never ran.
	startFailures int
	// awaiting is set while task never ran and its replacement is due.
	awaiting bool
	// firstStartErr is the engine's word on the first task that never ran.
	firstStartErr string
}

// pickSlot chooses among one slot's tasks: the first task that ran and
// ended; else the newest task still to end; else (every task never ran)
// the newest, awaiting its replacement until maxStartFailures or
// replacementWait.
func pickSlot(tasks []swarm.Task, now time.Time) slotState {
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].CreatedAt.Before(tasks[j].CreatedAt) })
	var s slotState
	var live *swarm.Task
	for i, t := range tasks {
		switch {
		case neverRan(t):
			if s.startFailures == 0 {
				s.firstStartErr = t.Status.Err
			}
			s.startFailures++
		case ended(t.Status.State):
			s.task = t
			return s
		default:
			live = &tasks[i]
		}
	}
	if live != nil {
		s.task = *live
		return s
	}
	s.task = tasks[len(tasks)-1]
	s.awaiting = s.startFailures < maxStartFailures && now.Sub(s.task.Status.Timestamp) < replacementWait
	return s
}
