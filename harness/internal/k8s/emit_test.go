package k8s

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/rehearse-dev/rehearse/scenarios"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestEmitGolden: the three files for a scenario, byte for byte
// (testdata/*.golden; go test -update rewrites them), the ConfigMap holding
// a scenario that parses. The README's commands name the folder as given.
func TestEmitGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/smoke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	got, err := Emit("k8s", Scenario{Name: "smoke", Source: src}, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"k8s/configmap.yaml", "k8s/configmap-start.yaml", "k8s/job.yaml", "k8s/README.md"}
	if strings.Join(got.Files, " ") != strings.Join(want, " ") || got.Job != testOptions().RunID ||
		!got.StartAt.Equal(time.Date(2026, 11, 26, 12, 1, 31, 0, time.UTC)) || got.Image != "rehearse/rehearse:v1.2.3" {
		t.Errorf("Emit = %+v", got)
	}
	for _, f := range got.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join(pkgDir, "testdata", strings.TrimPrefix(f, "k8s/")+".golden")
		if *update {
			if err := os.WriteFile(golden, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if w, err := os.ReadFile(golden); err != nil || !bytes.Equal(b, w) {
			t.Errorf("%s differs from %s (go test -update rewrites it): %v\n%s", f, golden, err, b)
		}
	}
	var cm corev1.ConfigMap
	decodeStrict(t, got.Files[0], &cm)
	if sc, err := scenarios.Parse("configmap", []byte(cm.Data[ScenarioKey])); err != nil || sc.Name != "smoke" {
		t.Errorf("the ConfigMap's scenario does not parse: %v", err)
	}
}

// pkgDir is the package folder, read before any test changes directory.
var pkgDir = func() string { d, _ := os.Getwd(); return d }()

// TestEmitRefusesEverythingAtOnce: every unusable option is named in one
// error matching ErrInvalid, and nothing is written.
func TestEmitRefusesEverythingAtOnce(t *testing.T) {
	o := testOptions()
	o.RunID, o.Shards, o.Target, o.CPU, o.Memory = "Run_1", 0, "uploadsvc:8080", "half", "256"
	o.StartAt = testNow.Add(-time.Minute)
	dir := filepath.Join(t.TempDir(), "k8s")
	_, err := Emit(dir, Scenario{Name: "s", Source: []byte("name: s\n")}, o)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Emit = %v, want ErrInvalid", err)
	}
	for _, want := range []string{
		`run id "Run_1" is not a lowercase DNS label`,
		"--shards 0: want 1 to 100000",
		`--target "uploadsvc:8080" is not an http(s) base URL`,
		"start instant 2026-11-26T11:59:00Z is in the past (now 2026-11-26T12:00:00Z)",
		`--cpu "half": not a Kubernetes quantity`,
		`--memory "256": is 256 bytes`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was created: %v", dir, err)
	}
}

// TestEmitRefusesBadScenarios: a missing start, an empty, oversized or
// non-UTF-8 scenario is refused.
func TestEmitRefusesBadScenarios(t *testing.T) {
	past := testOptions()
	past.StartAt = testNow.Add(-time.Second)
	for name, tc := range map[string]struct {
		sc   Scenario
		o    Options
		want string
	}{
		"past start": {testScenario, past, "in the past"},
		"empty":      {Scenario{Name: "s"}, testOptions(), "no name or no source"},
		"too large":  {Scenario{Name: "s", Source: bytes.Repeat([]byte("#\n"), 1<<19)}, testOptions(), "a ConfigMap holds at most 1 MiB"},
		"binary":     {Scenario{Name: "s", Source: []byte("name: s\n\xff\xfe")}, testOptions(), "not UTF-8"},
	} {
		_, err := Emit(filepath.Join(t.TempDir(), "k8s"), tc.sc, tc.o)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Emit = %v, want ErrInvalid saying %q", name, err, tc.want)
		}
	}
}

// TestEmitFolder: emitting again replaces the files; a folder holding other
// manifests, which kubectl apply -f would apply too, is refused untouched.
func TestEmitFolder(t *testing.T) {
	dir := emit(t, testOptions())
	o := testOptions()
	o.Shards = 7
	if _, err := Emit(dir, testScenario, o); err != nil {
		t.Fatalf("emit again: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, JobFile)); !bytes.Contains(b, []byte("completions: 7")) {
		t.Errorf("job.yaml not replaced:\n%s", b)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.yml"), []byte("kind: Secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, JobFile))
	o.Shards = 9
	_, err := Emit(dir, testScenario, o)
	if !errors.Is(err, ErrForeignManifests) || !strings.Contains(err.Error(), "holds other.yml, which `kubectl apply -f") {
		t.Errorf("Emit into a folder with other.yml = %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, JobFile)); !bytes.Equal(before, after) {
		t.Error("job.yaml changed though the emit was refused")
	}
}

// TestReadmeCommands: the README's commands name this run's objects, one
// log per shard index, and the merge of those logs.
func TestReadmeCommands(t *testing.T) {
	o := testOptions()
	o.Shards = 12
	dir := emit(t, o)
	b, err := os.ReadFile(filepath.Join(dir, ReadmeFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"kubectl apply -f " + dir,
		"until s=$(kubectl get job/" + o.RunID + " -o jsonpath='{.status.conditions[?(@.status==\"True\")].type}')",
		"*Complete*|*Failed*",
		"for i in $(seq 0 11); do",
		`kubectl logs "$(kubectl get pods -o name -l rehearse.run=` + o.RunID + `,batch.kubernetes.io/job-completion-index=$i)" > shard-$i.log`,
		"rehearse merge --from-logs --out merged shard-*.log",
		"kubectl delete -f " + dir,
		"No\ncluster was contacted",
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("README lacks %q:\n%s", want, b)
		}
	}
}
