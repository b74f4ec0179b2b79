package sutrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// runID makes a run id and proves at the end that nothing labelled with it
// is left in Docker.
func runID(t *testing.T) string {
	id := fmt.Sprintf("rh-test-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		if left := testenv.Labelled(t, id); len(left) > 0 {
			_, _ = SweepRun(context.Background(), id)
			t.Errorf("run %s left %v behind", id, left)
		}
	})
	return id
}

type recorder struct {
	mu      sync.Mutex
	events  []reports.Event
	samples []reports.Sample
}

func (r *recorder) opts(id string, t *testing.T) Options {
	return Options{RunID: id, LogDir: t.TempDir(), Logf: t.Logf,
		OnEvent:  func(e reports.Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() },
		OnSample: func(s reports.Sample) { r.mu.Lock(); r.samples = append(r.samples, s); r.mu.Unlock() }}
}

func start(t *testing.T, sut scenarios.SUT, o Options) *Deployment {
	t.Helper()
	t0 := time.Now()
	d, err := Start(t.Context(), sut, o)
	t.Cleanup(func() {
		if err := d.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SUT healthy %s after Start", time.Since(t0).Round(time.Millisecond))
	return d
}

func upload(t *testing.T, base, caller string, records int) (*http.Response, error) {
	var b bytes.Buffer
	b.WriteString(`{"records":[`)
	for i := 0; i < records; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"r%d","payload":{"x":%d}}`, i, i)
	}
	b.WriteString(`]}`)
	return http.Post(base+"/v1/callers/"+caller+"/records", "application/json", &b)
}

func parse(t *testing.T, y string) scenarios.SUT {
	t.Helper()
	sc, err := scenarios.Parse("t.yaml", []byte("name: t\ncallers: {count: 1}\n"+y))
	if err != nil {
		t.Fatal(err)
	}
	return sc.SUT
}

// TestReferenceImageUnderLimits builds the reference image, runs it with a
// memory limit and hardening behind a health probe, and removes it.
func TestReferenceImageUnderLimits(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	var rec recorder
	d := start(t, parse(t, "sut:\n  reference: {mode: async}\n  resources: {cpus: 1, memory: 64MiB, pids: 128}\n"), rec.opts(id, t))
	resp, err := upload(t, d.Target(), "acme", 10)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("upload: %v %v", err, resp)
	}
	cli, _ := dockerClient(t.Context())
	defer cli.Close()
	cs, _ := cli.ContainerList(t.Context(), client.ContainerListOptions{Filters: make(client.Filters).Add("label", Label+"="+id)})
	if len(cs.Items) != 1 {
		t.Fatalf("%d containers", len(cs.Items))
	}
	ins, err := cli.ContainerInspect(t.Context(), cs.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc, cfg := ins.Container.HostConfig, ins.Container.Config
	if hc.Memory != 64<<20 || hc.MemorySwap != 64<<20 || !hc.ReadonlyRootfs || cfg.User != sutUser || len(hc.CapDrop) != 1 || *hc.PidsLimit != 128 {
		t.Fatalf("limits/hardening not applied: mem %d swap %d ro %v user %q capdrop %v", hc.Memory, hc.MemorySwap, hc.ReadonlyRootfs, cfg.User, hc.CapDrop)
	}
	if d.Info().Resources == nil || d.Info().Image == "" || !strings.HasPrefix(d.Target(), "http://127.0.0.1:") {
		t.Fatalf("info %+v", d.Info())
	}
	time.Sleep(2500 * time.Millisecond)
	rec.mu.Lock()
	n := len(rec.samples)
	rec.mu.Unlock()
	if n == 0 {
		t.Fatal("no stats samples in 2.5 s")
	}
}

// TestOOMKillIsCountedAndPortSurvives drives a sync service with a tiny
// memory limit into an OOM kill; the restart policy brings it back on the
// same URL.
func TestOOMKillIsCountedAndPortSurvives(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	var rec recorder
	d := start(t, parse(t, `sut:
  reference: {mode: sync, args: ["--record-mem=200000", "--query-delay=500ms"]}
  resources: {memory: 32MiB}
  restart: {policy: on-failure, max: 5}
`), rec.opts(id, t))
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := upload(t, d.Target(), fmt.Sprintf("c%d", i), 200); err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for val(d.Crashes().Restarts) < 1 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	c := d.Crashes()
	if val(c.OOMKills) < 1 || val(c.Restarts) < 1 || val(c.Count) < 1 || c.Events[0].Kind != "oom" {
		t.Fatalf("crashes %+v", c)
	}
	if err := waitHealthy(t.Context(), d.Target()+"/healthz", 20*time.Second); err != nil {
		t.Fatalf("not back on the same URL %s after the restart: %v", d.Target(), err)
	}
}

// TestKillFaultKeepsAcceptedUploads kills the async service with queued
// uploads; after the restart policy brings it back every upload is done.
func TestKillFaultKeepsAcceptedUploads(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	var rec recorder
	d := start(t, parse(t, `sut:
  reference: {mode: async, args: ["--workers=1", "--query-delay=100ms"]}
  restart: {policy: on-failure, max: 3}
`), rec.opts(id, t))
	var locs []string
	for i := 0; i < 20; i++ {
		resp, err := upload(t, d.Target(), fmt.Sprintf("c%d", i), 5)
		if err != nil || resp.StatusCode != 202 {
			t.Fatalf("upload %d: %v", i, err)
		}
		resp.Body.Close()
		locs = append(locs, resp.Header.Get("Location"))
	}
	if err := d.Fault(t.Context(), "kill", "sut"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, l := range locs {
		for {
			var up struct {
				Status    string
				Processed int
			}
			if resp, err := http.Get(d.Target() + l); err == nil {
				_ = json.NewDecoder(resp.Body).Decode(&up)
				resp.Body.Close()
			}
			if up.Status == "done" {
				if up.Processed != 1 {
					t.Fatalf("%s processed %d times", l, up.Processed)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is %q 30 s after the kill", l, up.Status)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if c := d.Crashes(); val(c.Count) != 1 || val(c.Restarts) != 1 || c.Events[0].Kind != "killed" {
		t.Fatalf("crashes %+v", c)
	}
	if err := d.Fault(t.Context(), "pause", "sut"); err != nil {
		t.Fatal(err)
	}
	if err := d.Fault(t.Context(), "unpause", "sut"); err != nil {
		t.Fatal(err)
	}
}

// TestTeamImage builds a team's service from a Dockerfile folder: its own
// port and health path, published on a fixed 127.0.0.1 port; a crash with
// exit code 3 is counted.
func TestTeamImage(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	dir := teamImageDir(t)
	tag := "rehearse-test/team:" + id
	var rec recorder
	o := rec.opts(id, t)
	o.Dir = dir
	d := start(t, parse(t, "sut:\n  image: {name: \""+tag+"\", build: ., port: 9000, health: /health}\n  restart: {policy: on-failure, max: 2}\n"), o)
	t.Cleanup(func() {
		cli, _ := dockerClient(context.Background())
		_, _ = cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		cli.Close()
	})
	if d.Info().Network != "bridge" {
		t.Fatalf("network %q", d.Info().Network)
	}
	healthy := func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, e := range rec.events {
			if e.Kind == "health" && e.Detail == "healthy" {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); !healthy(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no health event from the image's HEALTHCHECK: %+v", rec.events)
		}
	}
	resp, err := http.Post(d.Target()+"/exit?code=3", "text/plain", nil)
	if err == nil {
		resp.Body.Close()
	}
	deadline := time.Now().Add(20 * time.Second)
	for val(d.Crashes().Restarts) < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if c := d.Crashes(); val(c.Count) != 1 || c.Events[0].ExitCode != 3 || c.Events[0].Kind != "crash" {
		t.Fatalf("crashes %+v", c)
	}
	if err := waitHealthy(t.Context(), d.Target()+"/health", 20*time.Second); err != nil {
		t.Fatalf("fixed port lost after restart: %v", err)
	}
	missing := parse(t, "sut:\n  image: {name: \"rehearse-test/missing:nope\"}\n")
	if _, err := Start(t.Context(), missing, Options{RunID: id}); err == nil || !strings.Contains(err.Error(), "docker build -t") {
		t.Fatalf("missing image: %v", err)
	}
}

// TestSweepRemovesLeftovers leaves a run's objects behind, as a kill -9'd
// rehearse would, then sweeps them.
func TestSweepRemovesLeftovers(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	d, err := Start(t.Context(), parse(t, "sut:\n  reference: {mode: async, replicas: 2}\n"), Options{RunID: id})
	if err != nil {
		_ = d.Close(context.Background())
		t.Fatal(err)
	}
	if n := len(testenv.Labelled(t, id)); n < 5 { // 2 replicas + lb + 2 volumes
		t.Fatalf("only %d labelled objects", n)
	}
	left, err := Leftovers(t.Context())
	if err != nil || len(left) == 0 {
		t.Fatalf("leftovers %v %v", left, err)
	}
	s, err := SweepRun(t.Context(), id)
	if err != nil || s.Containers != 3 || s.Volumes != 2 {
		t.Fatalf("swept %+v %v", s, err)
	}
	d.stop() // the watcher goroutines of the abandoned deployment
}

// TestProcessRuntime runs uploadsvc as local processes (no Docker) behind
// the lb and sees a killed replica restarted.
func TestProcessRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds uploadsvc")
	}
	var rec recorder
	o := rec.opts("rh-proc", t)
	o.Runtime = "process"
	d := start(t, parse(t, "sut:\n  reference: {mode: async, replicas: 2}\n  restart: {policy: on-failure, max: 3}\n"), o)
	if d.Info().Runtime != "process" || d.Info().Resources != nil {
		t.Fatalf("info %+v", d.Info())
	}
	if err := d.Fault(t.Context(), "kill", "replica-1"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		resp, err := upload(t, d.Target(), "c", 3)
		if err != nil || resp.StatusCode != 202 {
			t.Fatalf("upload through the lb while replica-1 restarts: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for val(d.Crashes().Restarts) < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if c := d.Crashes(); val(c.Count) != 1 || val(c.Restarts) != 1 || c.Events[0].Kind != "killed" {
		t.Fatalf("crashes %+v", c)
	}
}

// val is *p, or -1 for nil (not measured), so that an assertion on a
// measured count fails on nil.
func val[T int64 | float64](p *T) T {
	if p == nil {
		return -1
	}
	return *p
}

// TestUpgradeOnBridgeNetwork upgrades a reference SUT on a bridge network:
// the candidate must listen on every interface of its container, where
// Docker's port mapping reaches it. (It was forced to 127.0.0.1 and never
// became healthy.)
func TestUpgradeOnBridgeNetwork(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	var rec recorder
	d := start(t, parse(t, "sut:\n  reference: {mode: sync, args: [\"--query-delay=1ms\"]}\n  network: bridge\n"), rec.opts(id, t))
	to := parse(t, "sut:\n  reference: {mode: sync, args: [\"--query-delay=2ms\"]}\n")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := d.Upgrade(ctx, to, "rolling"); err != nil {
		t.Fatalf("upgrade on bridge: %v", err)
	}
	resp, err := upload(t, d.Target(), "c1", 3)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload after upgrade: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestUpgradeToImageTakesItsPortAndHealth upgrades a team image (port 9000,
// health /health) to an image that listens on 8080 with /healthz: the
// candidate's container port and health path come from the candidate, the
// host port stays. (The old port and health path were kept.)
func TestUpgradeToImageTakesItsPortAndHealth(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	dir := teamImageDir(t)
	tag := "rehearse-test/team:" + id
	var rec recorder
	o := rec.opts(id, t)
	o.Dir = dir
	d := start(t, parse(t, "sut:\n  image: {name: \""+tag+"\", build: ., port: 9000, health: /health}\n"), o)
	t.Cleanup(func() { removeImage(tag) })
	ref, err := BuildReferenceImage(t.Context(), "", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	to := parse(t, "sut:\n  image: {name: \""+ref+"\", port: 8080, health: /healthz, args: [\"--mode=sync\", \"--query-delay=1ms\", \"--data=/tmp/data\"]}\n")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := d.Upgrade(ctx, to, "recreate"); err != nil {
		t.Fatalf("upgrade to %s: %v", ref, err)
	}
	if err := waitHealthy(t.Context(), d.Target()+"/healthz", 10*time.Second); err != nil {
		t.Fatalf("candidate not reachable at the same target: %v", err)
	}
}

// teamImageDir writes a Dockerfile folder for testdata/teamsvc.
func teamImageDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "teamsvc"), "./testdata/teamsvc")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	_ = os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY teamsvc /teamsvc\nHEALTHCHECK --interval=1s CMD [\"/teamsvc\", \"-check\"]\nENTRYPOINT [\"/teamsvc\"]\n"), 0o644)
	return dir
}

func removeImage(tag string) {
	cli, err := dockerClient(context.Background())
	if err != nil {
		return
	}
	defer cli.Close()
	_, _ = cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true, PruneChildren: true})
}

// failingEvents fails the first n subscriptions of the real event stream.
type failingEvents struct {
	eventSource
	mu sync.Mutex
	n  int
}

func (f *failingEvents) Events(ctx context.Context, o client.EventsListOptions) client.EventsResult {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if !fail {
		return f.eventSource.Events(ctx, o)
	}
	errc := make(chan error, 1)
	errc <- errors.New("injected: event stream broke")
	return client.EventsResult{Messages: make(chan events.Message), Err: errc}
}

// TestLostEventStreamIsNoted breaks the Docker event stream twice: the
// watch resubscribes (a crash during the run is still counted, from the
// resumed stream) and the deployment's notes say the watch was blind twice,
// so a report can never read "crashes 0" without that word.
func TestLostEventStreamIsNoted(t *testing.T) {
	testenv.RequireDocker(t)
	id := runID(t)
	var rec recorder
	o := rec.opts(id, t)
	o.wrapEvents = func(s eventSource) eventSource { return &failingEvents{eventSource: s, n: 2} }
	d := start(t, parse(t, "sut:\n  reference: {mode: sync}\n  restart: {policy: on-failure, max: 2}\n"), o)
	if err := d.Fault(t.Context(), "kill", "sut"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); val(d.Crashes().Restarts) < 1 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if c := d.Crashes(); val(c.Count) != 1 {
		t.Fatalf("crash after resubscribing: %+v", c)
	}
	notes := d.Notes()
	if len(notes) != 1 || !strings.Contains(notes[0], "lost the Docker event stream 2 times") {
		t.Fatalf("notes %q", notes)
	}
}
