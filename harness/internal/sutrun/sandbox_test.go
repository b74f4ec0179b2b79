package sutrun

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// referenceImage is the reference image's tag, built once per test.
func referenceImage(t *testing.T) string {
	t.Helper()
	testenv.RequireDocker(t)
	ref, err := BuildReferenceImage(t.Context(), "", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// records is how many records the reference service holds for caller.
func records(t *testing.T, base, caller string) int {
	t.Helper()
	resp, err := http.Get(base + "/v1/callers/" + caller + "/records")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Records []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("records of %s: %v", caller, err)
	}
	return len(body.Records)
}

// TestWritablePathSurvivesRestarts runs the reference service as a team
// image whose data folder is sut.image.writable: what it wrote there is
// still there after a crash and the restart policy's restart (a kill
// fault), as on a deployment's disk; the container got the sandbox the
// README states (read-only root, /tmp tmpfs of tmpfs_mb, no capabilities,
// no new privileges, the chosen user); the volume is labelled with the
// run and gone after Close (runID checks).
func TestWritablePathSurvivesRestarts(t *testing.T) {
	ref := referenceImage(t)
	id := runID(t)
	var rec recorder
	d := start(t, parse(t, `sut:
  image: {name: "`+ref+`", port: 8080, health: /healthz, args: ["--mode=sync", "--query-delay=1ms", "--data=/data"], writable: [/data], tmpfs_mb: 16, user: "65532:65532"}
  restart: {policy: on-failure, max: 3}
`), rec.opts(id, t))
	resp, err := upload(t, d.Target(), "acme", 30)
	if err != nil || resp.StatusCode >= 300 {
		t.Fatalf("upload: %v %v", err, resp)
	}
	resp.Body.Close()
	if n := records(t, d.Target(), "acme"); n != 30 {
		t.Fatalf("%d records before the kill", n)
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
	if !hc.ReadonlyRootfs || hc.Tmpfs["/tmp"] != "rw,size=16m" || len(hc.CapDrop) != 1 || hc.CapDrop[0] != "ALL" ||
		len(hc.SecurityOpt) != 1 || hc.SecurityOpt[0] != "no-new-privileges:true" || cfg.User != "65532:65532" ||
		len(hc.Binds) != 1 || !strings.HasSuffix(hc.Binds[0], ":/data") {
		t.Fatalf("sandbox: ro %v tmpfs %v capdrop %v secopt %v user %q binds %v", hc.ReadonlyRootfs, hc.Tmpfs, hc.CapDrop, hc.SecurityOpt, cfg.User, hc.Binds)
	}
	vols, err := cli.VolumeList(t.Context(), client.VolumeListOptions{Filters: make(client.Filters).Add("label", Label+"="+id)})
	if err != nil || len(vols.Items) != 1 {
		t.Fatalf("volumes of the run: %+v %v", vols.Items, err)
	}
	if err := d.Fault(t.Context(), "kill", "sut"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for val(d.Crashes().Restarts) < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if err := waitHealthy(t.Context(), d.Target()+"/healthz", 20*time.Second); err != nil || val(d.Crashes().Restarts) != 1 {
		t.Fatalf("not back after the kill: %v, crashes %+v", err, d.Crashes())
	}
	if n := records(t, d.Target(), "acme"); n != 30 {
		t.Fatalf("%d of 30 records after the restart: the writable path did not survive it", n)
	}
}

// TestUnhealthySUTSaysWhy: a service that cannot write where it wants to
// (its data folder on the read-only root) never becomes healthy; the error
// carries its last log lines, and the hint says what the sandbox is and
// which keys change it.
func TestUnhealthySUTSaysWhy(t *testing.T) {
	ref := referenceImage(t)
	id := runID(t)
	var rec recorder
	o := rec.opts(id, t)
	o.healthyWithin = 3 * time.Second
	d, err := Start(t.Context(), parse(t, `sut:
  image: {name: "`+ref+`", port: 8080, health: /healthz, args: ["--mode=sync", "--data=/var/lib/shop"]}
`), o)
	defer func() {
		if cerr := d.Close(context.Background()); cerr != nil {
			t.Errorf("close: %v", cerr)
		}
	}()
	if err == nil {
		t.Fatal("a service that cannot write its data folder became healthy")
	}
	if !strings.Contains(err.Error(), "sut never became healthy") || !strings.Contains(err.Error(), "its last log lines:") ||
		!strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("error without the service's last log lines: %v", err)
	}
	hints := strings.Join(errext.Hints(err), "\n")
	for _, want := range []string{"read-only root file system", "/tmp as a 64 MiB tmpfs", "no capabilities", "as 65532:65532", "sut.image.writable", "sut.image.tmpfs_mb", "sut.image.user"} {
		if !strings.Contains(hints, want) {
			t.Errorf("hint without %q: %s", want, hints)
		}
	}
	t.Logf("error: %v\nhint: %s", err, hints)
}
