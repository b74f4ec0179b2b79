package swarm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/internal/testenv"
)

func TestServiceSpec(t *testing.T) {
	job := Job{RunID: "rh-1", Image: "rehearse/rehearse:rh-1", Args: []string{"attack", "x.yaml"}, Env: []string{"A=b"},
		Tasks: 3, FilePath: "/s.yaml", File: []byte("x"), Scratch: "/out", NanoCPUs: 5e8, MemoryBytes: 1 << 28}
	s := serviceSpec(job, []string{"cfg1"})
	rj := s.Mode.ReplicatedJob
	switch {
	case rj == nil || *rj.MaxConcurrent != 3 || *rj.TotalCompletions != 3:
		t.Errorf("mode %+v: want a replicated job of 3 at once", s.Mode)
	case s.Mode.Replicated != nil || s.Mode.Global != nil || s.Mode.GlobalJob != nil:
		t.Errorf("mode %+v: want only a replicated job", s.Mode)
	case s.TaskTemplate.RestartPolicy.Condition != swarm.RestartPolicyConditionNone:
		t.Errorf("restart %+v: want none", s.TaskTemplate.RestartPolicy)
	case len(s.TaskTemplate.Networks) != 1 || s.TaskTemplate.Networks[0].Target != "host":
		t.Errorf("networks %+v: want host", s.TaskTemplate.Networks)
	case s.Name != "rh-1" || s.Labels[Label] != "rh-1" || s.TaskTemplate.ContainerSpec.Labels[Label] != "rh-1":
		t.Errorf("name %q labels %v / %v: want the run id on the service and its containers", s.Name, s.Labels, s.TaskTemplate.ContainerSpec.Labels)
	}
	cs := s.TaskTemplate.ContainerSpec
	if got := strings.Join(cs.Env, " "); got != "SHARD={{if eq .Task.Slot .Node.ID}}0{{else}}{{.Task.Slot}}{{end}} A=b" {
		t.Errorf("env %q", got)
	}
	if cs.Image != job.Image || strings.Join(cs.Args, " ") != "attack x.yaml" {
		t.Errorf("image %q args %q", cs.Image, cs.Args)
	}
	if len(cs.Configs) != 1 || cs.Configs[0].ConfigID != "cfg1" || cs.Configs[0].File.Name != "/s.yaml" || cs.Configs[0].File.Mode != 0o444 {
		t.Errorf("configs %+v", cs.Configs)
	}
	if len(cs.Mounts) != 1 || cs.Mounts[0].Target != "/out" || cs.Mounts[0].Type != "tmpfs" || cs.Mounts[0].TmpfsOptions.Mode != 0o1777 {
		t.Errorf("mounts %+v", cs.Mounts)
	}
	r := s.TaskTemplate.Resources
	if r == nil || r.Limits.NanoCPUs != 5e8 || r.Reservations.MemoryBytes != 1<<28 {
		t.Errorf("resources %+v", r)
	}
	if s := serviceSpec(Job{RunID: "r", Image: "i", Tasks: 1}, nil); s.TaskTemplate.ContainerSpec.Configs != nil || s.TaskTemplate.Resources != nil {
		t.Errorf("no file, no limits: got %+v", s.TaskTemplate)
	}
}

func TestJobCheck(t *testing.T) {
	for _, j := range []Job{{Image: "i", Tasks: 1}, {RunID: "r", Tasks: 1}, {RunID: "r", Image: "i"},
		{RunID: "r", Image: "i", Tasks: 1, FilePath: "/f", File: make([]byte, MaxConfig+1)}} {
		if err := j.check(); err == nil {
			t.Errorf("%+v: no error", j)
		}
	}
}

type fakeInfo system.Info

func (f fakeInfo) Info(context.Context, client.InfoOptions) (client.SystemInfoResult, error) {
	return client.SystemInfoResult{Info: system.Info(f)}, nil
}

func TestRequireManager(t *testing.T) {
	mgr := fakeInfo{Swarm: swarm.Info{LocalNodeState: swarm.LocalNodeStateActive, ControlAvailable: true}}
	if err := requireManager(t.Context(), mgr); err != nil {
		t.Fatal(err)
	}
	for _, f := range []fakeInfo{{Swarm: swarm.Info{LocalNodeState: swarm.LocalNodeStateInactive}}, {Swarm: swarm.Info{LocalNodeState: swarm.LocalNodeStateActive}}} {
		err := requireManager(t.Context(), f)
		if !errors.Is(err, ErrNotManager) {
			t.Fatalf("%+v: %v, want ErrNotManager", f.Swarm, err)
		}
		if h := errext.Hints(err); len(h) != 1 || !strings.Contains(h[0], "docker swarm init --advertise-addr 127.0.0.1") {
			t.Errorf("hints %q", h)
		}
	}
}

// fakeTasks plays a job's tasks: each slot pending for a second, running
// until its end, then complete, or failed for slot failSlot, which the
// engine then replaces with a task that runs on.
type fakeTasks struct {
	start    time.Time
	ends     []time.Duration
	failSlot int
}

func (f *fakeTasks) TaskList(context.Context, client.TaskListOptions) (client.TaskListResult, error) {
	var out []swarm.Task
	el := time.Since(f.start)
	for slot, end := range f.ends {
		st := swarm.TaskStatePending
		switch {
		case el >= end && slot == f.failSlot:
			st = swarm.TaskStateFailed
			retry := swarm.Task{ID: "retry", Slot: slot, Status: swarm.TaskStatus{State: swarm.TaskStateRunning}}
			retry.CreatedAt = f.start.Add(end)
			out = append(out, retry)
		case el >= end:
			st = swarm.TaskStateComplete
		case el >= time.Second:
			st = swarm.TaskStateRunning
		}
		task := swarm.Task{ID: fmt.Sprint(slot), Slot: slot, Status: swarm.TaskStatus{State: st, Err: map[bool]string{true: "exit 3"}[st == swarm.TaskStateFailed]}}
		task.CreatedAt = f.start
		out = append(out, task)
	}
	return client.TaskListResult{Items: out}, nil
}

func TestWaitProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTasks{start: time.Now(), ends: []time.Duration{3 * time.Second, 5 * time.Second, 4 * time.Second}, failSlot: 2}
		var seen []Progress
		tasks, err := wait(t.Context(), f, "svc", 3, func(p Progress) { seen = append(seen, p) })
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(f.start); took < 5*time.Second || took > 5*time.Second+pollEvery {
			t.Errorf("wait took %s, want the last task's 5s", took)
		}
		if len(tasks) != 3 || tasks[0].task.Slot != 0 || tasks[2].task.Slot != 2 || tasks[2].task.ID != "2" {
			t.Fatalf("tasks %+v", tasks)
		}
		want := []Progress{{Tasks: 3, Pending: 3}, {Tasks: 3, Running: 3}, {Tasks: 3, Running: 2, Complete: 1},
			{Tasks: 3, Running: 1, Complete: 1, Failed: 1, Why: "task 2: exit 3"}, {Tasks: 3, Complete: 2, Failed: 1, Why: "task 2: exit 3"}}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("progress\n got %v\nwant %v", seen, want)
		}
	})
}

func TestWaitCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		_, err := wait(ctx, &fakeTasks{start: time.Now(), ends: []time.Duration{time.Hour}}, "svc", 1, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
	})
}

// taskImage needs a swarm, builds the image of testdata/task for a new
// run id with the given prefix, and removes it after t, checking that
// nothing of the run is left.
func taskImage(ctx context.Context, t *testing.T, prefix string) (runID, tag string) {
	t.Helper()
	testenv.RequireSwarm(t)
	bin := testenv.Build(t, "./testdata/task")
	runID = fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
	tag, err := BuildImage(ctx, bin, runID)
	t.Cleanup(func() {
		if err := RemoveImage(context.Background(), ImageRepo+":"+runID); err != nil {
			t.Error(err)
		}
		testenv.NoLeftovers(t, runID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return runID, tag
}

// TestRunJob runs a real replicated job of 3 tasks on a swarm, its image
// built FROM scratch by BuildImage, and checks what each slot printed came
// back whole (a line longer than Docker's 16 KiB log chunks included), a
// failed task is reported as such, and nothing is left afterwards.
func TestRunJob(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	runID, tag := taskImage(ctx, t, "rh-test-swarm")
	var mu sync.Mutex
	var last Progress
	tasks, err := Run(ctx, Job{RunID: runID, Image: tag, Tasks: 3, FilePath: "/job/file.txt", File: []byte("hello"),
		Env: []string{"FAIL_SLOT=2"}, Progress: func(p Progress) { mu.Lock(); last = p; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if left := testenv.SwarmLeftovers(t, runID); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if !last.Done() || last.Complete != 2 || last.Failed != 1 {
		t.Errorf("last progress %+v", last)
	}
	if len(tasks) != 3 {
		t.Fatalf("%d tasks", len(tasks))
	}
	for i, tk := range tasks {
		want := fmt.Sprintf("slot=%d\nfile=hello\n%s\nend\n", i, strings.Repeat("x", 100_000))
		if tk.Slot != i || !bytes.Equal(tk.Stdout, []byte(want)) || string(tk.Stderr) != fmt.Sprintf("stderr of %d\n", i) || tk.LogErr != nil {
			t.Errorf("task %d: slot %d, stdout %d bytes (want %d), stderr %q, log error %v", i, tk.Slot, len(tk.Stdout), len(want), tk.Stderr, tk.LogErr)
		}
		if failed := i == 2; failed != (tk.State == "failed") || failed != (tk.ExitCode == 3) || failed != (tk.Err != "") {
			t.Errorf("task %d: state %s, exit %d, err %q", i, tk.State, tk.ExitCode, tk.Err)
		}
	}
}

func TestParseResources(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "2": 2e9, "0.5": 5e8, "500m": 5e8, "250m": 2.5e8} {
		if got, err := ParseCPU(in); err != nil || got != want {
			t.Errorf("cpu %q: %d %v, want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"": 0, "512Mi": 512 << 20, "1Gi": 1 << 30, "500M": 5e8, "1024": 1024, "1.5Gi": 3 << 29} {
		if got, err := ParseMemory(in); err != nil || got != want {
			t.Errorf("memory %q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "-1", "0", "1e999", "m"} {
		if _, err := ParseCPU(in); err == nil {
			t.Errorf("cpu %q: no error", in)
		}
		if _, err := ParseMemory(in + "Mi"); err == nil {
			t.Errorf("memory %q: no error", in+"Mi")
		}
	}
}

// TestSweep leaves a job's service, config and containers behind, as a
// killed run would, and sweeps them by run id.
func TestSweep(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	runID, tag := taskImage(ctx, t, "rh-test-sweep")
	cli, err := connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	job := Job{RunID: runID, Image: tag, Tasks: 2, FilePath: "/job/file.txt", File: []byte("x")}
	cfg, err := createConfig(ctx, cli, job.RunID, 0, job.File)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: serviceSpec(job, []string{cfg})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wait(ctx, cli, res.ID, 2, nil); err != nil {
		t.Fatal(err)
	}
	if left := testenv.SwarmLeftovers(t, runID); len(left) != 2 {
		t.Fatalf("before the sweep: %v, want the service and the config", left)
	}
	svcs, cfgs, err := Sweep(ctx, runID, 0)
	if err != nil || svcs != 1 || cfgs != 1 {
		t.Fatalf("swept %d services, %d configs: %v", svcs, cfgs, err)
	}
	if left := append(testenv.SwarmLeftovers(t, runID), testenv.Labelled(t, runID)...); len(left) != 1 || !strings.HasPrefix(left[0], "images ") {
		t.Errorf("after the sweep: %v, want only the image", left)
	}
}
