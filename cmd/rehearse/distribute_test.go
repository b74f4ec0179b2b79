package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// distributeCLI runs the command line like cli, with distribute in the
// tree even where the root does not list it yet.
func distributeCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	root := a.rootCmd()
	if c, _, err := root.Find([]string{"distribute"}); err != nil || c == root {
		root.AddCommand(a.distributeCmd())
		usageErrors(root)
	}
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	printError(&errb, err)
	return exitCode(err), out.String(), errb.String()
}

const podTargetURL = "http://uploadsvc.staging.svc:8080"

// TestDistributeK8s: the flags reach the manifests, the start is --start-in
// from now, and stdout says what was written and what to run next.
func TestDistributeK8s(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k8s")
	before := time.Now()
	code, stdout, stderr := distributeCLI(t, "distribute", "--engine", "k8s", "--shards", "3", "--emit", dir,
		"--target", podTargetURL, "--allow-remote", "--start-in", "45s",
		"--image", "registry.example.com/rehearse:v9", "--cpu", "1500m", "--memory", "1Gi", "smoke")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	job, err := os.ReadFile(filepath.Join(dir, "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"completionMode: Indexed", "completions: 3", "parallelism: 3", "backoffLimit: 0",
		"image: registry.example.com/rehearse:v9", "cpu: 1500m", "memory: 1Gi",
		"- " + podTargetURL + "\n", "- --allow-remote\n", "- $(JOB_COMPLETION_INDEX)/3\n",
	} {
		if !strings.Contains(string(job), want) {
			t.Errorf("job.yaml lacks %q:\n%s", want, job)
		}
	}
	// The Job reads its start from the start ConfigMap, which --start-in
	// writes beside it (configmap-start.yaml).
	if !strings.Contains(string(job), "- --start-at\n        - $(REHEARSE_START_AT)\n") {
		t.Errorf("job.yaml does not read its start from the start ConfigMap:\n%s", job)
	}
	start, _ := os.ReadFile(filepath.Join(dir, "configmap-start.yaml"))
	m := regexp.MustCompile(`start-at: "?([0-9TZ:-]+)"?\n`).FindSubmatch(start)
	if m == nil {
		t.Fatalf("no start-at in configmap-start.yaml:\n%s", start)
	}
	at, err := time.Parse(time.RFC3339, string(m[1]))
	if err != nil || at.Before(before.Add(44*time.Second)) || at.After(time.Now().Add(46*time.Second)) { // rounded up to the second
		t.Errorf("--start-at %s (%v), want 45s after %s", m[1], err, before.Format(time.RFC3339))
	}
	if cm, err := os.ReadFile(filepath.Join(dir, "configmap.yaml")); err != nil || !strings.Contains(string(cm), "name: smoke") {
		t.Errorf("configmap.yaml does not hold the scenario: %v\n%s", err, cm)
	}
	for _, want := range []string{"wrote " + dir + "/configmap.yaml, " + dir + "/configmap-start.yaml, " + dir + "/job.yaml, " + dir + "/README.md",
		"smoke as 3 shards", "kubectl apply -f " + dir, "rehearse merge --from-logs --out merged shard-*.log"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// TestDistributeK8sDefaults: the image of this version, the default
// resources and start, and the scenario's sut.url as the target.
func TestDistributeK8sDefaults(t *testing.T) {
	p := writeScenario(t, "name: shop\nsut:\n  url: http://api.shop.svc:80\ncallers:\n  count: 10\n")
	dir := filepath.Join(t.TempDir(), "k8s")
	code, stdout, stderr := distributeCLI(t, "distribute", "--engine", "k8s", "--shards", "2", "--emit", dir, "--allow-remote", p)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	job, _ := os.ReadFile(filepath.Join(dir, "job.yaml"))
	for _, want := range []string{"image: rehearse/rehearse:" + buildVersion() + "\n", "cpu: 500m", "memory: 256Mi", "- http://api.shop.svc:80\n"} {
		if !strings.Contains(string(job), want) {
			t.Errorf("job.yaml lacks %q:\n%s", want, job)
		}
	}
	// No start given: none baked in; the start ConfigMap is made as the
	// manifests are applied.
	if _, err := os.Stat(filepath.Join(dir, "configmap-start.yaml")); err == nil || !strings.Contains(stdout, "kubectl create configmap") {
		t.Errorf("a start was baked in, or stdout does not say how to make it:\n%s", stdout)
	}
}

// TestDistributeRefuses: each wrong command line is exit 2 with a reason,
// and writes nothing.
func TestDistributeRefuses(t *testing.T) {
	k8s := func(extra ...string) []string {
		return append([]string{"distribute", "--engine", "k8s", "--shards", "2", "--target", podTargetURL, "--allow-remote"}, extra...)
	}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no engine":             {[]string{"distribute", "--shards", "2", "smoke"}, "give --engine k8s"},
		"unknown engine":        {[]string{"distribute", "--engine", "nomad", "smoke"}, `--engine must be k8s or swarm, got "nomad"`},
		"no emit":               {[]string{"distribute", "--engine", "k8s", "--shards", "2", "smoke"}, "give --emit DIR"},
		"no shards":             {[]string{"distribute", "--engine", "k8s", "--emit", "E", "smoke"}, "give --shards N"},
		"--out without --apply": {k8s("--emit", "E", "--out", "x", "smoke"), "--out is where --apply merges"},
		"past start":            {k8s("--emit", "E", "--start-at", "2020-01-01T00:00:00Z", "smoke"), "--start-at 2020-01-01T00:00:00Z is in the past"},
		"bad start":             {k8s("--emit", "E", "--start-at", "tomorrow", "smoke"), `--start-at "tomorrow": want RFC 3339`},
		"two starts":            {k8s("--emit", "E", "--start-at", "2099-01-01T00:00:00Z", "--start-in", "1m", "smoke"), "give one"},
		"negative start":        {k8s("--emit", "E", "--start-in", "-5s", "smoke"), "--start-in must be > 0"},
		"loopback":              {k8s("--emit", "E", "--target", "http://127.0.0.1:8080", "smoke"), "in a pod, 127.0.0.1 is the pod itself"},
		"no allow-remote":       {[]string{"distribute", "--engine", "k8s", "--shards", "2", "--emit", "E", "--target", podTargetURL, "smoke"}, "pass --allow-remote"},
		"no target":             {[]string{"distribute", "--engine", "k8s", "--shards", "2", "--emit", "E", "smoke"}, "give --target URL"},
		"bad target":            {k8s("--emit", "E", "--target", "uploadsvc:8080", "smoke"), `malformed --target "uploadsvc:8080": has no scheme`},
		"bare memory":           {k8s("--emit", "E", "--memory", "256", "smoke"), `--memory "256": is 256 bytes`},
		"bad cpu":               {k8s("--emit", "E", "--cpu", "half", "smoke"), `--cpu "half": not a Kubernetes quantity`},
		"a suite":               {k8s("--emit", "E", "seed"), "scenarios; distribute runs one"},
		"no scenario":           {k8s("--emit", "E", "nosuch"), `"nosuch" is neither a file`},
		"two scenarios":         {k8s("--emit", "E", "smoke", "smoke"), "accepts 1 arg(s)"},
	} {
		dir := filepath.Join(t.TempDir(), "k8s")
		for i, a := range tc.args {
			if a == "E" {
				tc.args[i] = dir
			}
		}
		code, _, stderr := distributeCLI(t, tc.args...)
		// A scenario that does not load is named as run and attack name it.
		if code != exitUsage || !strings.Contains(stderr, tc.want) || (name != "no scenario" && !strings.Contains(stderr, "distribute: ")) {
			t.Errorf("%s: exit %d, want 2 saying %q; stderr:\n%s", name, code, tc.want, stderr)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %s was written", name, dir)
		}
	}
}

// TestDistributeK8sFolder: a folder holding other manifests is refused
// (exit 2); one that cannot be written is the environment's (exit 3).
func TestDistributeK8sFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "service.yaml"), []byte("kind: Service\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"distribute", "--engine", "k8s", "--shards", "2", "--target", podTargetURL, "--allow-remote", "--emit"}
	code, _, stderr := distributeCLI(t, append(args, dir, "smoke")...)
	if code != exitUsage || !strings.Contains(stderr, "holds service.yaml, which `kubectl apply -f") {
		t.Errorf("folder with service.yaml: exit %d; stderr:\n%s", code, stderr)
	}
	file := filepath.Join(dir, "service.yaml")
	code, _, stderr = distributeCLI(t, append(args, filepath.Join(file, "k8s"), "smoke")...)
	if code != exitEnv {
		t.Errorf("--emit below a file: exit %d, want 3; stderr:\n%s", code, stderr)
	}
}

// TestDistributeHelp teaches: the engines, the kubectl steps, examples.
func TestDistributeHelp(t *testing.T) {
	code, stdout, _ := distributeCLI(t, "distribute", "--help")
	for _, want := range []string{"--engine k8s contacts no cluster unless --apply", "kubectl apply -f DIR", "--apply does those steps itself", "rehearse merge --from-logs",
		"rehearse distribute --engine k8s --shards 8 --emit k8s/", "--engine swarm", "kubectl create configmap <run id>-start", "--prometheus-rw", "--namespace", "k8s default 500m"} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q (exit %d):\n%s", want, code, stdout)
		}
	}
}

// TestReadmeKubernetesRecipe: docs/distributed.md's Kubernetes recipe runs as
// written (into a temporary folder, with a built-in scenario), and its
// collection loop counts the shards it asked for.
func TestReadmeKubernetesRecipe(t *testing.T) {
	b, err := os.ReadFile("../../docs/distributed.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "- **On Kubernetes**")
	_, rest, ok2 := strings.Cut(rest, "```sh\n")
	block, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/distributed.md: no sh block under On Kubernetes")
	}
	cmdline, _, _ := strings.Cut(strings.ReplaceAll(block, "\\\n", " "), "\n")
	args := strings.Fields(cmdline)
	if len(args) < 2 || args[0] != "rehearse" || args[1] != "distribute" || !strings.Contains(block, "for i in $(seq 0 7)") {
		t.Fatalf("README's recipe does not start with rehearse distribute, for 8 shards:\n%s", block)
	}
	dir := filepath.Join(t.TempDir(), "k8s")
	for i, a := range args {
		switch {
		case a == "k8s/":
			args[i] = dir
		case strings.HasSuffix(a, ".yaml"):
			args[i] = "smoke"
		}
	}
	if code, _, stderr := distributeCLI(t, args[1:]...); code != exitOK {
		t.Fatalf("%q: exit %d\n%s", args, code, stderr)
	}
	if job, _ := os.ReadFile(filepath.Join(dir, "job.yaml")); !strings.Contains(string(job), "completions: 8") {
		t.Errorf("the recipe's job is not of 8 shards:\n%s", job)
	}
}

// --apply without a cluster: kubectl's configuration naming none, or a
// cluster that does not answer, is one sentence and exit 3, and nothing
// is left but the manifests.
func TestDistributeApplyWithoutACluster(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // not a pod's in-cluster config either
	args := []string{"distribute", "--engine", "k8s", "--shards", "2", "--apply", "--target", "http://uploadsvc.load.svc:8080", "--allow-remote"}

	t.Setenv("KUBECONFIG", filepath.Join(home, "none"))
	code, _, stderr := distributeCLI(t, append(args, "--emit", t.TempDir(), "--out", t.TempDir(), "smoke")...)
	if code != exitEnv || !strings.Contains(stderr, "no Kubernetes cluster configured: kubectl's configuration (KUBECONFIG, ~/.kube/config) names none") ||
		strings.Count(strings.TrimSpace(stderr), "\n") > 2 {
		t.Errorf("no kubeconfig: exit %d, want 3; stderr:\n%s", code, stderr)
	}

	// A cluster on a loopback port nothing listens on.
	cfg := filepath.Join(home, "config")
	if err := os.WriteFile(cfg, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
users: [{name: u, user: {}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: load}}]
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", cfg)
	out := t.TempDir()
	code, _, stderr = distributeCLI(t, append(args, "--emit", t.TempDir(), "--out", out, "smoke")...)
	if code != exitEnv || !strings.Contains(stderr, "create configmap/") || !strings.Contains(stderr, "in load") || !strings.Contains(stderr, "connection refused") {
		t.Errorf("a cluster that does not answer: exit %d, want 3; stderr:\n%s", code, stderr)
	}
	if ents, _ := os.ReadDir(out); len(ents) > 0 {
		t.Errorf("--out holds %d entries after a run that never started", len(ents))
	}
}
