// Package swarm runs a rehearsal's shards as one Docker Swarm
// replicated-job service on the current Docker engine and brings back what
// each task printed: the task logs are the only channel, so nothing has to
// be shared between the engine and the caller. It creates a config holding
// one file, the service, and optionally the image (image.go), every object
// labelled rehearse.run=<run id>, and removes all of them before Run
// returns, also when its context is cancelled.
//
// The files by job: swarm.go (Job, Run), client.go (connecting, the
// manager check), spec.go (the service spec, pure), wait.go (progress),
// startfail.go (tasks that never ran), logs.go (the tasks' logs),
// cleanup.go (removal), image.go (the shard image FROM scratch).
package swarm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
)

// Label is the label every object carries; its value is the run id.
const Label = sutrun.Label

// SlotEnv is the variable every task finds its slot in (0..Tasks-1): the
// service sets it from Swarm's {{.Task.Slot}} template (slotTemplate).
const SlotEnv = "SHARD"

// Job is one replicated job: Tasks tasks of Image, all at once, none
// restarted.
type Job struct {
	// RunID labels every object (Label=RunID) and names the service and
	// the config after it. Required.
	RunID string
	// Image runs in every task; it must be on the engine (never pulled).
	Image string
	// Args are the arguments after the image's entrypoint. A task has no
	// shell: "$SHARD" in them is not expanded by the engine.
	Args []string
	// Env is added to every task's environment, after SlotEnv; values may
	// use Swarm's templates ({{.Task.Slot}}).
	Env []string
	// Tasks is how many tasks run, each in its own slot; at least 1.
	Tasks int
	// File, when FilePath is set, is mounted read-only at FilePath in every
	// task through a Swarm config (at most 500 KB, Swarm's limit).
	FilePath string
	File     []byte
	// Files are mounted likewise, each through a config of its own (at
	// most MaxConfig bytes each): a distributed replay's trace parts, one
	// per shard, each at its shard's path.
	Files []File
	// Scratch, when set, is a writable folder (tmpfs, mode 1777) in every
	// task: a FROM scratch image has none for a non-root user.
	Scratch string
	// NanoCPUs and MemoryBytes, when > 0, are each task's reservation and
	// limit (1e9 NanoCPUs is one CPU).
	NanoCPUs    int64
	MemoryBytes int64
	// Progress, when set, is called with the tasks' states whenever they
	// change while Run waits.
	Progress func(Progress)
}

// Task is one finished task: its slot, final state and what it printed.
type Task struct {
	Slot     int
	State    string // complete, failed, rejected, shutdown...
	ExitCode int
	// Err is the engine's message for a task that did not complete.
	Err    string
	Stdout []byte
	Stderr []byte
	// LogErr is why the logs could not be read in full; nil when they were.
	LogErr error
	// StartFailures counts the slot's tasks the engine failed to start
	// before this one (startfail.go); FirstStartErr is its word on the
	// first. Such tasks never ran, so they sent nothing.
	StartFailures int
	FirstStartErr string
}

// ErrNotManager is returned (wrapped) when the engine is not a swarm
// manager: it cannot run services.
var ErrNotManager = errors.New("the Docker engine is not a swarm manager")

// cleanupTimeout bounds the removal of what Run created, which happens on
// a context of its own so that a cancelled run still cleans up.
const cleanupTimeout = 60 * time.Second

// Run creates the config and the service of job, waits until every task
// has ended, reads each task's logs, removes the service and the config
// (also when ctx is cancelled: then it returns ctx's error after removing
// them) and returns the tasks ordered by slot. A task that failed is
// returned with its state and logs, not as an error: the caller decides.
// Errors: ErrNotManager, sutrun.ErrDockerUnavailable, an engine refusal.
func Run(ctx context.Context, job Job) (tasks []Task, err error) {
	if err := job.check(); err != nil {
		return nil, err
	}
	cli, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	if err := requireManager(ctx, cli); err != nil {
		return nil, err
	}
	created := &objects{}
	// Registered before any object exists: whatever was created goes.
	defer func() { err = errors.Join(err, created.remove(ctx, cli)) }()
	for i, f := range job.files() {
		id, err := createConfig(ctx, cli, job.RunID, i, f.Data)
		if err != nil {
			return nil, err
		}
		created.configs = append(created.configs, id)
	}
	res, err := cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: serviceSpec(job, created.configs)})
	if err != nil {
		return nil, fmt.Errorf("create swarm service for %s: %w", job.RunID, err)
	}
	created.service = res.ID
	done, err := wait(ctx, cli, res.ID, job.Tasks, job.Progress)
	if err != nil {
		return nil, err
	}
	return collect(ctx, cli, done), nil
}

// check refuses a job Run cannot run.
func (j Job) check() error {
	switch {
	case j.RunID == "":
		return errors.New("swarm job: no run id")
	case j.Image == "":
		return errors.New("swarm job: no image")
	case j.Tasks < 1:
		return fmt.Errorf("swarm job: %d tasks; at least 1", j.Tasks)
	}
	for _, f := range j.files() {
		if len(f.Data) > MaxConfig {
			return fmt.Errorf("swarm job: %s is %d bytes; a swarm config holds at most %d", f.Path, len(f.Data), MaxConfig)
		}
	}
	return nil
}

// File is a file every task finds at Path, read-only.
type File struct {
	Path string
	Data []byte
}

// files are the job's files: File at FilePath, then Files.
func (j Job) files() []File {
	if j.FilePath == "" {
		return j.Files
	}
	return append([]File{{Path: j.FilePath, Data: j.File}}, j.Files...)
}

// MaxConfig is the largest config Swarm stores.
const MaxConfig = 500 * 1024

// createConfig stores file i of a job as a labelled config named after
// the run (the first: the run id; the others: <run id>-<i>).
func createConfig(ctx context.Context, cli *client.Client, runID string, i int, data []byte) (string, error) {
	res, err := cli.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: swarm.ConfigSpec{
		Annotations: swarm.Annotations{Name: configName(runID, i), Labels: map[string]string{Label: runID}},
		Data:        data,
	}})
	if err != nil {
		return "", fmt.Errorf("create swarm config for %s: %w", runID, err)
	}
	return res.ID, nil
}

// configName names file i's config.
func configName(runID string, i int) string {
	if i == 0 {
		return runID
	}
	return runID + "-" + strconv.Itoa(i)
}
