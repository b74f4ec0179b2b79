package swarm

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// logTimeout bounds the reading of one task's logs: the engine streams
// them from the node the task ran on, and a node that went away would
// otherwise hold the stream open.
const logTimeout = 2 * time.Minute

// collect reads the logs of every ended task (in slot order) into Tasks.
// A log that could not be read in full is kept as far as it was read,
// with LogErr set.
func collect(ctx context.Context, cli *client.Client, slots []slotState) []Task {
	out := make([]Task, 0, len(slots))
	for _, s := range slots {
		t := s.task
		r := Task{Slot: t.Slot, State: string(t.Status.State), StartFailures: s.startFailures, FirstStartErr: s.firstStartErr}
		if cs := t.Status.ContainerStatus; cs != nil {
			r.ExitCode = cs.ExitCode
		}
		if t.Status.State != swarm.TaskStateComplete {
			r.Err = why(t)
		}
		var stdout, stderr bytes.Buffer
		r.LogErr = taskLogs(ctx, cli, t.ID, &stdout, &stderr)
		r.Stdout, r.Stderr = stdout.Bytes(), stderr.Bytes()
		out = append(out, r)
	}
	return out
}

// taskLogs copies a task's whole stdout and stderr, as the engine kept
// them, into stdout and stderr.
func taskLogs(ctx context.Context, cli *client.Client, taskID string, stdout, stderr *bytes.Buffer) error {
	ctx, cancel := context.WithTimeout(ctx, logTimeout)
	defer cancel()
	rc, err := cli.TaskLogs(ctx, taskID, client.TaskLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "all"})
	if err != nil {
		return fmt.Errorf("read the logs of swarm task %s: %w", taskID, err)
	}
	defer rc.Close()
	// Without a TTY the engine multiplexes both streams into one.
	if _, err := stdcopy.StdCopy(stdout, stderr, rc); err != nil {
		return fmt.Errorf("read the logs of swarm task %s: %w", taskID, err)
	}
	return nil
}
