package harness

import (
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// docker runs the docker CLI, as a user starting their own stack would.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// startByHand starts the reference sync service as a user would, with a
// memory limit, labelled for the watch (shop=<id>) and for the leak check.
func startByHand(t *testing.T, id, name, image string, port int, memory string) {
	t.Helper()
	docker(t, "run", "-d", "--name", name, "--label", "rehearse.run="+id, "--label", "shop="+id,
		"--memory", memory, "--memory-swap", memory, "--network", "host", image,
		"--mode=sync", "--addr=127.0.0.1:"+itoa(port), "--query-delay=400ms", "--record-mem=65536")
}

func itoa(i int) string { return strconv.Itoa(i) }

// referenceRun is what a Docker test that runs the reference image itself
// needs: the image, and a run id whose objects must all be gone when t
// ends (checked after every other cleanup of t).
func referenceRun(t *testing.T) (image, id string) {
	t.Helper()
	testenv.RequireDocker(t)
	image, err := BuildReferenceImage(t.Context(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	id = NewRunID(time.Now())
	t.Cleanup(func() { testenv.NoLeftovers(t, id) })
	return image, id
}

// startedByHand starts the reference service by hand (startByHand) on a
// free port, waits until it answers, and removes it when t ends.
func startedByHand(t *testing.T, id, image, memory string) (name string, port int, target string) {
	t.Helper()
	name, port = id+"-api", freePort(t)
	startByHand(t, id, name, image, port, memory)
	t.Cleanup(func() { _, _ = exec.Command("docker", "rm", "-f", name).CombinedOutput() })
	target = "http://127.0.0.1:" + itoa(port)
	waitUp(t, target+"/healthz")
	return name, port, target
}

// freePort is a port nothing listens on now, on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitUp waits until url answers 2xx.
func waitUp(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return
			}
		}
	}
	t.Fatalf("%s never answered", url)
}

// TestAttackWatchSeesTheOOMKill: a container started by hand with a
// memory limit is OOM-killed by the storm of rehearse attack --watch, and
// the report shows the crash; nothing of the user's is removed by
// rehearse (the test removes it).
func TestAttackWatchSeesTheOOMKill(t *testing.T) {
	image, id := referenceRun(t)
	name, _, target := startedByHand(t, id, image, "24m")
	sc := harnesstest.Scenario(t, `name: oom
sut: {url: "`+target+`"}
callers: {count: 60, records: 200, timeout: 3s}
arrival: {profile: burst, window: 200ms}
run: {max_duration: 30s}
`)
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Target: target, Watch: &scenarios.Watch{Label: "shop=" + id}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Report.Crashes
	if !c.Measured() || *c.Count < 1 || *c.OOMKills < 1 || c.Events[0].Kind != "oom" {
		t.Fatalf("crashes %+v", c)
	}
	if c.DowntimeS != nil {
		t.Fatalf("downtime %v measured without a watch health path", *c.DowntimeS)
	}
	if state := docker(t, "inspect", "-f", "{{.State.OOMKilled}}", name); state != "true" {
		t.Fatalf("the container was not OOM-killed (%s): the test shows nothing", state)
	}
}

// TestWatchFollowsReplacements: a container replaced mid-run (stopped,
// removed, started again under the same name, as compose recreates a
// service) is followed, and neither death nor start counts as a crash or
// a restart; a selector that matches nothing is an error before the storm.
func TestWatchFollowsReplacements(t *testing.T) {
	image, id := referenceRun(t)
	name, port, target := startedByHand(t, id, image, "256m")
	sc := harnesstest.Scenario(t, `name: replace
sut: {url: "`+target+`", watch: {label: "shop=`+id+`", health: /healthz}}
callers: {count: 40, records: 5, timeout: 3s, retry: {attempts: 10, backoff: constant, base: 300ms}}
arrival: {profile: ramp, window: 4s}
run: {max_duration: 60s}
`)
	go func() {
		time.Sleep(time.Second)
		_, _ = exec.Command("docker", "stop", "-t", "2", name).CombinedOutput()
		_, _ = exec.Command("docker", "rm", name).CombinedOutput()
		startByHand(t, id, name, image, port, "256m")
	}()
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Report.Crashes
	if !c.Measured() || *c.Count != 0 || *c.Restarts != 0 || c.DowntimeS == nil {
		t.Fatalf("crashes %+v", c)
	}
	var followed int
	for _, e := range res.Report.Events {
		if e.Kind == "start" && strings.Contains(e.Detail, "followed") {
			followed++
		}
	}
	if followed != 1 {
		t.Fatalf("events %+v: want the replacement followed once", res.Report.Events)
	}
	bad := harnesstest.Scenario(t, "name: none\nsut: {url: \""+target+"\", watch: {label: \"shop=nobody-"+id+"\"}}\ncallers: {count: 1}\n")
	if _, err := Run(t.Context(), bad, Options{Out: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no container matches label shop=nobody") {
		t.Fatalf("a watch matching nothing: %v", err)
	}
}
