package distribute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/harness/internal/swarm"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// DefaultStartIn is how far ahead of the service's creation the shards'
// common start is set when none is given: time for the engine to schedule
// and start every task.
const DefaultStartIn = 10 * time.Second

// MaxShards is the most shards Swarm starts.
const MaxShards = 256

// SwarmProgress is how the shards' tasks stand while Swarm waits.
type SwarmProgress = swarm.Progress

// ErrNotSwarmManager is returned (wrapped, with a hint) when the Docker
// engine is not a swarm manager; Swarm never creates one.
var ErrNotSwarmManager = swarm.ErrNotManager

// SwarmOptions are the options of Swarm.
type SwarmOptions struct {
	// Shards is how many shards (tasks) run; 1..MaxShards.
	Shards int
	// Image is the shard image: one with rehearse as its entrypoint (`make
	// image`), on the engine. "" builds rehearse/rehearse:<run id> FROM
	// scratch around Binary, and removes it afterwards.
	Image string
	// Binary is the static rehearse program put in the built image; ""
	// is this executable.
	Binary string
	// Target is the base URL every shard sends to. The tasks run on the
	// engine's host network: loopback is the engine host's.
	Target string
	// AllowRemote lets Target be outside loopback.
	AllowRemote bool
	// StartAt is the instant every shard starts at; zero is StartIn after
	// the image is ready.
	StartAt time.Time
	// StartIn is used when StartAt is zero; 0 is DefaultStartIn.
	StartIn time.Duration
	// CPU and Memory, when set, are each task's reservation and limit, as
	// Kubernetes writes them ("500m", "2"; "512Mi", "1Gi").
	CPU, Memory string
	// Out is the folder that receives the merged run folder and, in
	// shards/, each shard's result and log; "" is DefaultOut.
	Out string
	// RunID labels every Docker object; "" makes a new one.
	RunID string
	// Logf receives human progress lines; nil discards them.
	Logf func(format string, args ...any)
	// Progress, when set, is called whenever the tasks' states change.
	Progress func(SwarmProgress)
	// PrometheusRW, when set, is the remote-write URL every task pushes its
	// live metrics to (--prometheus-rw), as the task reaches it.
	PrometheusRW string
	// MetricsPortBase, when > 0, makes task i serve its live metrics on
	// 127.0.0.1:MetricsPortBase+i of the host's network, for the CLI's
	// federation (distribute --metrics-addr).
	MetricsPortBase int
}

// Where a shard finds its scenario and writes its run folder in its task.
const (
	shardScenarioDir = "/scenario"
	shardOut         = "/out"
)

// Swarm runs sc as opts.Shards shards of one Docker Swarm
// replicated-job service on the current engine (which must be a swarm
// manager: ErrNotSwarmManager otherwise), every shard starting at the
// same instant, each task running `rehearse attack --shard $SHARD/n
// --emit-result`; it reads each task's result from its log, merges them
// into one run folder below opts.Out (Merge: counts equal one machine's)
// and removes the service, its config and the image it built, also when
// ctx is cancelled (then the error wraps ErrInterrupted and no report is
// written). A shard that failed is missing from the merge, which says so
// (verdict partial); each task's log is kept in
// Out/shards/.
func Swarm(ctx context.Context, sc *scenarios.Scenario, opts SwarmOptions) (*harness.Result, error) {
	job, err := swarmJob(ctx, sc, &opts)
	if err != nil {
		return nil, err
	}
	sf, err := newShardFiles(sc, opts.Shards)
	if err != nil {
		return nil, err
	}
	bake := shipSwarm(&job, sf, opts)
	if opts.Image == "" || bake != nil {
		tag, err := buildShardImage(ctx, opts, bake)
		// Registered before the error check: a failed build may leave a tag.
		defer func() {
			if err := swarm.RemoveImage(ctx, swarm.ImageRepo+":"+opts.RunID); err != nil {
				opts.Logf("%v (run `rehearse sweep`)", err)
			}
		}()
		if err != nil {
			return nil, err
		}
		opts.Image = tag
	}
	job.Image = opts.Image
	at, err := startAt(opts)
	if err != nil {
		return nil, err
	}
	job.Args = shardArgs(sf, opts, at)
	opts.Logf("%s: %d shards as swarm service %s (image %s), starting together at %s",
		sc.Name, opts.Shards, opts.RunID, opts.Image, at.Format(time.RFC3339Nano))
	tasks, err := swarm.Run(ctx, job)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("distribute %s: %w", sc.Name, errors.Join(harness.ErrInterrupted, err))
		}
		return nil, fmt.Errorf("distribute %s: %w", sc.Name, err)
	}
	return mergeTasks(ctx, sc, tasks, opts)
}

// swarmJob checks opts and sc for a swarm run, fills opts' defaults, and
// returns the job without its image and arguments.
func swarmJob(ctx context.Context, sc *scenarios.Scenario, opts *SwarmOptions) (swarm.Job, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Out == "" {
		opts.Out = harness.DefaultOut(time.Now())
	}
	if opts.RunID == "" {
		opts.RunID = harness.NewRunID(time.Now())
	}
	var errs []error
	if opts.Shards < 1 || opts.Shards > MaxShards {
		errs = append(errs, fmt.Errorf("%d shards: want 1..%d", opts.Shards, MaxShards))
	}
	if sc.Upgrade != nil && sc.Upgrade.Deploys() {
		errs = append(errs, fmt.Errorf("%s upgrades by its own command, which every shard would run, in an image without a shell: run the deploy yourself, beside the storm", sc.Name))
	}
	if len(sc.Source) == 0 {
		errs = append(errs, fmt.Errorf("%s has no source to hand the shards", sc.Name))
	}
	cpu, err := swarm.ParseCPU(opts.CPU)
	errs = append(errs, err)
	mem, err := swarm.ParseMemory(opts.Memory)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return swarm.Job{}, fmt.Errorf("%w: distribute: %w", scenarios.ErrInvalid, err)
	}
	if err := storm.CheckTarget(ctx, opts.Target, opts.AllowRemote); err != nil {
		return swarm.Job{}, err
	}
	if err := swarm.RequireManager(ctx); err != nil {
		return swarm.Job{}, err
	}
	return swarm.Job{RunID: opts.RunID, Tasks: opts.Shards,
		Scratch: shardOut, NanoCPUs: cpu, MemoryBytes: mem, Progress: opts.Progress}, nil
}

// buildShardImage builds the shard image around opts.Binary, or around
// this executable, with files baked in (none: nil); with files and
// opts.Image, FROM opts.Image.
func buildShardImage(ctx context.Context, opts SwarmOptions, files []swarm.File) (string, error) {
	if opts.Image != "" {
		opts.Logf("building the shard image %s:%s FROM %s with the shards' files", swarm.ImageRepo, opts.RunID, opts.Image)
		return swarm.BuildImageWith(ctx, "", opts.Image, opts.RunID, files)
	}
	bin := opts.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("find this program for the shard image: %w", err)
		}
		bin = exe
	}
	opts.Logf("building the shard image %s:%s FROM scratch around %s", swarm.ImageRepo, opts.RunID, bin)
	return swarm.BuildImageWith(ctx, bin, "", opts.RunID, files)
}

// startAt is the shards' common start: opts.StartAt, or StartIn from now.
func startAt(opts SwarmOptions) (time.Time, error) {
	if !opts.StartAt.IsZero() {
		if time.Until(opts.StartAt) < time.Second {
			return time.Time{}, fmt.Errorf("%w: distribute: the start %s is past (or within a second) by the time the service is created; give a later one, or --start-in",
				scenarios.ErrInvalid, opts.StartAt.Format(time.RFC3339))
		}
		return opts.StartAt, nil
	}
	in := opts.StartIn
	if in <= 0 {
		in = DefaultStartIn
	}
	return time.Now().Add(in), nil
}

// shardArgs are a task's arguments after the image's entrypoint: the
// shard index comes from the task's environment (swarm.SlotEnv), which
// rehearse reads itself (ParseShard): a FROM scratch task has no shell.
func shardArgs(sf *shardFiles, opts SwarmOptions, at time.Time) []string {
	args := []string{"attack", "--target", opts.Target,
		"--shard", fmt.Sprintf("$%s/%d", swarm.SlotEnv, opts.Shards),
		"--start-at", at.UTC().Format(time.RFC3339Nano), "--emit-result",
		"--out", shardOut, "--progress", "none"}
	if opts.AllowRemote {
		args = append(args, "--allow-remote")
	}
	if opts.PrometheusRW != "" {
		args = append(args, "--prometheus-rw", opts.PrometheusRW)
	}
	if opts.MetricsPortBase > 0 {
		// Task i serves on base+i of the host's network for the
		// federation; it lingers until the federation scraped its end.
		args = append(args, "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", opts.MetricsPortBase),
			"--metrics-port-by-shard", "--metrics-linger", ShardMetricsLinger.String())
	}
	// The scenario argument names the same variable: rehearse expands it
	// (a task has no shell), so each task reads its own shard's files.
	return append(args, swarmShardDir("$"+swarm.SlotEnv)+"/"+sf.scenario)
}

// ShardMetricsLinger is how long a shard (a local process, a Swarm task)
// serving its series for a federation keeps serving them after its
// storm: longer than the federation's scrape interval (1 s), so its final
// counts are in the federation's last scrape of it.
const ShardMetricsLinger = 3 * time.Second

// mergeTasks keeps each task's log in Out/shards/, says which tasks
// printed no result, and merges the results the others printed.
func mergeTasks(ctx context.Context, sc *scenarios.Scenario, tasks []swarm.Task, opts SwarmOptions) (*harness.Result, error) {
	dir := filepath.Join(opts.Out, "shards")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("distribute: %w", err)
	}
	logs := make([]io.Reader, 0, len(tasks))
	var failed, notes []string
	for _, t := range tasks {
		if t.StartFailures > 0 {
			notes = append(notes, restartNote(t))
		}
		name := filepath.Join(dir, fmt.Sprintf("shard-%d.log", t.Slot))
		if err := os.WriteFile(name, append(append([]byte{}, t.Stderr...), t.Stdout...), 0o644); err != nil {
			return nil, fmt.Errorf("distribute: %w", err)
		}
		// A shard that printed its result counts, whatever its exit code (a
		// failed gate exits 1): the merged report judges the run.
		if !bytes.Contains(t.Stdout, []byte(frameBegin)) || t.LogErr != nil {
			failed = append(failed, taskFailure(t, name))
		}
		logs = append(logs, bytes.NewReader(t.Stdout))
	}
	for _, f := range append(notes, failed...) {
		opts.Logf("%s", f)
	}
	res, err := MergeLogs(ctx, logs, opts.Out, MergeOptions{Logf: opts.Logf, Notes: notes, Scenario: sc})
	if err != nil && len(failed) > 0 {
		return res, fmt.Errorf("%s: %w; %s", sc.Name, err, strings.Join(failed, "; "))
	}
	return res, err
}

// restartNote says that the engine failed to start a shard's task before
// the one that answered: those never ran, so the shard's figures are
// whole, but it began late.
func restartNote(t swarm.Task) string {
	return fmt.Sprintf("shard %d: the engine failed to start its task %d time(s) before the one that ran (first: %s); those sent nothing, and the shard began when Swarm started it again",
		t.Slot, t.StartFailures, t.FirstStartErr)
}

// taskFailure says how a task that printed no result ended, with its
// last log line.
func taskFailure(t swarm.Task, log string) string {
	msg := fmt.Sprintf("shard %d: task %s (exit %d)", t.Slot, t.State, t.ExitCode)
	if t.Err != "" {
		msg += ": " + t.Err
	}
	if t.LogErr != nil {
		msg += fmt.Sprintf("; its log was not read in full: %v", t.LogErr)
	}
	if lines := strings.Split(strings.TrimSpace(string(t.Stderr)), "\n"); lines[len(lines)-1] != "" {
		msg += "; last line: " + lines[len(lines)-1]
	}
	return msg + " (" + log + ")"
}
