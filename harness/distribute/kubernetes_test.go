package distribute

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/scenarios"
)

func kubernetesOptions() KubernetesOptions {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	return KubernetesOptions{RunID: "rh-20261126-120000-0a1b2c3d", Shards: 3, Version: "v1.0.0",
		Target: "http://uploadsvc.staging.svc:8080", AllowRemote: true, StartAt: now.Add(time.Minute), Now: now}
}

// TestEmitKubernetes: a built-in scenario becomes its manifests; an empty
// target is the scenario's sut.url.
func TestEmitKubernetes(t *testing.T) {
	scs, err := scenarios.Resolve("smoke")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "k8s")
	m, err := EmitKubernetes(dir, scs[0], kubernetesOptions())
	// configmap.yaml, configmap-start.yaml (a start given: --start-at), job.yaml, README.md
	if err != nil || len(m.Files) != 4 || m.Image != "rehearse/rehearse:v1.0.0" {
		t.Fatalf("EmitKubernetes = %+v, %v", m, err)
	}
	sc := *scs[0]
	sc.SUT = scenarios.SUT{URL: "http://api.shop.svc:80"}
	o := kubernetesOptions()
	o.Target = ""
	if _, err := EmitKubernetes(dir, &sc, o); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "job.yaml")); !strings.Contains(string(b), "- http://api.shop.svc:80\n") {
		t.Errorf("the target is not sut.url:\n%s", b)
	}
}

// TestEmitKubernetesRefuses: what the pods cannot run, or should not be
// pointed at, is refused with a reason, and nothing is written.
func TestEmitKubernetesRefuses(t *testing.T) {
	src := []byte("name: s\n")
	for name, tc := range map[string]struct {
		sc     scenarios.Scenario
		target string
		remote bool
		is     error
		want   string
	}{
		"replay": {scenarios.Scenario{Name: "s", Source: src, Traffic: &scenarios.Traffic{Replay: "/t/a.trace.jsonl.gz"}},
			"", true, ErrKubernetesOptions, "traffic.replay /t/a.trace.jsonl.gz is an absolute path, which the shards would not find"},
		"deploy command": {scenarios.Scenario{Name: "s", Source: src, Upgrade: &scenarios.Upgrade{Command: []string{"./deploy.sh"}}},
			"", true, ErrKubernetesOptions, "upgrades by its own command, which every shard would run"},
		"loopback": {scenarios.Scenario{Name: "s", Source: src}, "http://127.0.0.1:8080", true, ErrKubernetesOptions,
			"in a pod, 127.0.0.1 is the pod itself"},
		"localhost": {scenarios.Scenario{Name: "s", Source: src}, "http://localhost:8080", true, ErrKubernetesOptions, "in a pod, localhost"},
		"remote": {scenarios.Scenario{Name: "s", Source: src}, "http://uploadsvc.staging.svc:8080", false, harness.ErrRemoteTarget,
			"pass --allow-remote"},
		"no target": {scenarios.Scenario{Name: "s", Source: src}, "", true, ErrKubernetesOptions, `--target "" is not an http(s) base URL`},
	} {
		o := kubernetesOptions()
		o.AllowRemote = tc.remote
		if tc.target != "" || name == "no target" {
			o.Target = tc.target
		}
		dir := filepath.Join(t.TempDir(), "k8s")
		_, err := EmitKubernetes(dir, &tc.sc, o)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %v saying %q", name, err, tc.is, tc.want)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %s was written", name, dir)
		}
	}
}
