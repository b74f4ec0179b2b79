package k8s

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// testNow is the fixed clock of these tests.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// testScenario is a scenario file with what a file may hold: comments,
// quotes, a colon in a value, trailing white space, no final newline.
var testScenario = Scenario{Name: "storm-k8s", Source: []byte("# a storm, sharded\nname: storm-k8s\n" +
	"description: \"re-uploads: 4 shards\"   \ncallers:\n  count: 4000\n\tgates: []")}

func testOptions() Options {
	return Options{
		RunID: "rh-20261126-120000-0a1b2c3d", Shards: 4, Version: "v1.2.3",
		Target: "http://uploadsvc.staging.svc:8080", AllowRemote: true,
		StartAt: testNow.Add(90*time.Second + 400*time.Millisecond), Now: testNow,
	}
}

// emit writes the manifests of o into a fresh folder and returns it.
func emit(t *testing.T, o Options) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "k8s")
	if _, err := Emit(dir, testScenario, o); err != nil {
		t.Fatalf("Emit: %v", err)
	}
	return dir
}

// decodeStrict decodes the manifest file into obj as the API server's
// strict field validation would: an unknown or duplicated field is an error.
func decodeStrict(t *testing.T, path string, obj any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, obj); err != nil {
		t.Fatalf("%s does not decode strictly: %v\n%s", filepath.Base(path), err, b)
	}
}

// TestDecodeStrictRefusesUnknownFields: the decoder the tests rely on does
// refuse what Kubernetes would not know, so their passing means something.
func TestDecodeStrictRefusesUnknownFields(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: batch/v1\nkind: Job\nspec:\n  completionMod: Indexed\n",
		"apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers: [{name: a, arg: [x]}]\n",
		"apiVersion: batch/v1\nkind: Job\nspec:\n  completions: 2\n  completions: 3\n",
	} {
		var j batchv1.Job
		if err := yaml.UnmarshalStrict([]byte(doc), &j); err == nil {
			t.Errorf("decoded without error:\n%s", doc)
		}
	}
}

// TestConfigMapManifest: the ConfigMap is a valid v1 ConfigMap carrying the
// scenario file byte for byte under scenario.yaml, labelled with the run.
func TestConfigMapManifest(t *testing.T) {
	o := testOptions()
	var cm corev1.ConfigMap
	decodeStrict(t, filepath.Join(emit(t, o), ConfigMapFile), &cm)
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" {
		t.Errorf("apiVersion/kind = %s/%s", cm.APIVersion, cm.Kind)
	}
	if cm.Name != o.RunID+"-scenario" {
		t.Errorf("name = %q", cm.Name)
	}
	checkMeta(t, "configmap", cm.ObjectMeta, o.RunID)
	if len(cm.Data) != 1 || cm.Data["scenario.yaml"] != string(testScenario.Source) {
		t.Errorf("data = %q, want only scenario.yaml = %q", cm.Data, testScenario.Source)
	}
	if len(cm.BinaryData) != 0 || len(validation.IsConfigMapKey(ScenarioKey)) != 0 {
		t.Errorf("binaryData %v; key %q valid: %v", cm.BinaryData, ScenarioKey, validation.IsConfigMapKey(ScenarioKey))
	}
}

// checkMeta: a name Kubernetes accepts, valid labels carrying the run id,
// valid annotations naming the scenario.
func checkMeta(t *testing.T, what string, m metav1.ObjectMeta, runID string) {
	t.Helper()
	if m.Name != "" {
		if errs := validation.IsDNS1123Label(m.Name); len(errs) > 0 {
			t.Errorf("%s: name %q: %v", what, m.Name, errs)
		}
	}
	if errs := metav1validation.ValidateLabels(m.Labels, field.NewPath("labels")); len(errs) > 0 {
		t.Errorf("%s: labels: %v", what, errs)
	}
	if errs := apivalidation.ValidateAnnotations(m.Annotations, field.NewPath("annotations")); len(errs) > 0 {
		t.Errorf("%s: annotations: %v", what, errs)
	}
	if m.Labels["rehearse.run"] != runID || m.Annotations["rehearse.scenario"] != testScenario.Name {
		t.Errorf("%s: labels %v, annotations %v; want rehearse.run=%s, rehearse.scenario=%s", what, m.Labels, m.Annotations, runID, testScenario.Name)
	}
}

// TestJobManifest: the Job is a valid batch/v1 Indexed Job of N pods, none
// retried, each running shard $(JOB_COMPLETION_INDEX)/N of the scenario
// from the ConfigMap, from the same instant, with its requests and limits,
// as a non-root user without privileges.
func TestJobManifest(t *testing.T) {
	o := testOptions()
	var j batchv1.Job
	decodeStrict(t, filepath.Join(emit(t, o), JobFile), &j)
	if j.APIVersion != "batch/v1" || j.Kind != "Job" || j.Name != o.RunID {
		t.Errorf("apiVersion/kind/name = %s/%s/%s", j.APIVersion, j.Kind, j.Name)
	}
	checkMeta(t, "job", j.ObjectMeta, o.RunID)
	s := j.Spec
	switch {
	case s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode = %v, want Indexed", s.CompletionMode)
	case s.Completions == nil || *s.Completions != 4, s.Parallelism == nil || *s.Parallelism != 4:
		t.Errorf("completions %v, parallelism %v; want 4 and 4", s.Completions, s.Parallelism)
	case s.BackoffLimit == nil || *s.BackoffLimit != 0:
		// Left out, Kubernetes would retry a failed shard 6 times.
		t.Errorf("backoffLimit = %v, want an explicit 0", s.BackoffLimit)
	case s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds != 7200, s.TTLSecondsAfterFinished == nil || *s.TTLSecondsAfterFinished != 6*3600:
		t.Errorf("activeDeadlineSeconds %v, ttlSecondsAfterFinished %v; want 2h and 6h: a run is bounded and its Job goes", s.ActiveDeadlineSeconds, s.TTLSecondsAfterFinished)
	}
	checkMeta(t, "pod template", s.Template.ObjectMeta, o.RunID)
	pod := s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %q, want Never", pod.RestartPolicy)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("automountServiceAccountToken = %v, want false", pod.AutomountServiceAccountToken)
	}
	if sc := pod.SecurityContext; sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext = %+v, want seccompProfile RuntimeDefault", sc)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("%d containers, %d init containers; want one shard", len(pod.Containers), len(pod.InitContainers))
	}
	c := pod.Containers[0]
	if c.Image != "rehearse/rehearse:v1.2.3" || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("image %q pull %q; want rehearse/rehearse:v1.2.3, IfNotPresent", c.Image, c.ImagePullPolicy)
	}
	if len(c.Command) != 0 {
		t.Errorf("command %q overrides the image's entrypoint (/rehearse)", c.Command)
	}
	checkArgs(t, c, o)
	checkResources(t, c.Resources, "500m", "256Mi")
	checkVolumes(t, pod, c, o)
	checkSecurity(t, c.SecurityContext)
}

// checkArgs: the shard's command line, and the index variable it expands
// defined from the annotation the Job controller sets (an undefined
// $(VAR) would be passed on literally).
func checkArgs(t *testing.T, c corev1.Container, o Options) {
	t.Helper()
	want := []string{"attack", "--target", "http://uploadsvc.staging.svc:8080", "--allow-remote",
		"--shard", "$(JOB_COMPLETION_INDEX)/4", "--start-at", "$(REHEARSE_START_AT)",
		"--out", "/results", "--emit-result", "/scenario/scenario.yaml"}
	if !slices.Equal(c.Args, want) {
		t.Errorf("args\n got %q\nwant %q", c.Args, want)
	}
	defined := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		defined[e.Name] = e
	}
	for _, arg := range c.Args {
		for _, m := range regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).FindAllStringSubmatch(arg, -1) {
			if _, ok := defined[m[1]]; !ok {
				t.Errorf("arg %q expands $(%s), which the container does not define", arg, m[1])
			}
		}
	}
	idx := defined["JOB_COMPLETION_INDEX"]
	if idx.Value != "" || idx.ValueFrom == nil || idx.ValueFrom.FieldRef == nil ||
		idx.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("JOB_COMPLETION_INDEX = %+v, want from the field metadata.annotations['batch.kubernetes.io/job-completion-index']", idx)
	}
	// The start is not baked in: it comes from the start ConfigMap,
	// made as the manifests are applied.
	start := defined["REHEARSE_START_AT"]
	if len(c.Env) != 2 || len(validation.IsEnvVarName(idx.Name)) != 0 || start.ValueFrom == nil || start.ValueFrom.ConfigMapKeyRef == nil ||
		start.ValueFrom.ConfigMapKeyRef.Name != o.RunID+"-start" || start.ValueFrom.ConfigMapKeyRef.Key != "start-at" {
		t.Errorf("env = %+v, want JOB_COMPLETION_INDEX and REHEARSE_START_AT from the ConfigMap %s-start", c.Env, o.RunID)
	}
}

// checkResources: requests equal limits (Guaranteed QoS: a load generator
// is not squeezed by its neighbours mid-storm).
func checkResources(t *testing.T, r corev1.ResourceRequirements, cpu, memory string) {
	t.Helper()
	for name, list := range map[string]corev1.ResourceList{"requests": r.Requests, "limits": r.Limits} {
		if len(list) != 2 {
			t.Errorf("%s = %v, want cpu and memory", name, list)
		}
		if q := list[corev1.ResourceCPU]; q.Cmp(resource.MustParse(cpu)) != 0 {
			t.Errorf("%s.cpu = %s, want %s", name, q.String(), cpu)
		}
		if q := list[corev1.ResourceMemory]; q.Cmp(resource.MustParse(memory)) != 0 {
			t.Errorf("%s.memory = %s, want %s", name, q.String(), memory)
		}
	}
}

// checkVolumes: the ConfigMap read-only at /scenario, holding the file the
// args name; an emptyDir at /results, the args' --out.
func checkVolumes(t *testing.T, pod corev1.PodSpec, c corev1.Container, o Options) {
	t.Helper()
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	if len(pod.Volumes) != 2 || len(c.VolumeMounts) != 2 {
		t.Fatalf("volumes %+v, mounts %+v; want the scenario and the results", pod.Volumes, c.VolumeMounts)
	}
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		switch {
		case !ok:
			t.Errorf("mount %s: no volume %q", m.MountPath, m.Name)
		case m.MountPath == "/scenario":
			if v.ConfigMap == nil || v.ConfigMap.Name != o.RunID+"-scenario" || !m.ReadOnly {
				t.Errorf("/scenario: volume %+v, read-only %v; want the ConfigMap %s-scenario, read-only", v.VolumeSource, m.ReadOnly, o.RunID)
			}
			if c.Args[len(c.Args)-1] != m.MountPath+"/"+ScenarioKey {
				t.Errorf("the scenario argument %q is not %s/%s", c.Args[len(c.Args)-1], m.MountPath, ScenarioKey)
			}
		case m.MountPath == "/results":
			if v.EmptyDir == nil || m.ReadOnly || !slices.Contains(c.Args, "/results") {
				t.Errorf("/results: volume %+v, read-only %v; want a writable emptyDir, the args' --out", v.VolumeSource, m.ReadOnly)
			}
		default:
			t.Errorf("unexpected mount %+v", m)
		}
	}
}

// checkSecurity: the restricted Pod Security Standard's container fields.
func checkSecurity(t *testing.T, sc *corev1.SecurityContext) {
	t.Helper()
	if sc == nil {
		t.Fatal("no securityContext")
	}
	switch {
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
		t.Errorf("runAsNonRoot = %v", sc.RunAsNonRoot)
	case sc.RunAsUser == nil || *sc.RunAsUser != 65532, sc.RunAsGroup == nil || *sc.RunAsGroup != 65532:
		t.Errorf("runAsUser %v, runAsGroup %v; want 65532 (the image's USER)", sc.RunAsUser, sc.RunAsGroup)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("readOnlyRootFilesystem = %v", sc.ReadOnlyRootFilesystem)
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("allowPrivilegeEscalation = %v, want an explicit false", sc.AllowPrivilegeEscalation)
	case sc.Privileged != nil && *sc.Privileged:
		t.Error("privileged")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("capabilities = %+v, want drop [ALL] and nothing added", sc.Capabilities)
	}
}

// TestJobOptions: the flags reach the Job: image, resources, shard count,
// and --allow-remote only when given.
func TestJobOptions(t *testing.T) {
	o := testOptions()
	o.Image, o.CPU, o.Memory, o.Shards, o.AllowRemote = "registry.example/rehearse:v9@sha256:"+strings.Repeat("a", 64), "2", "1Gi", 1, false
	o.Target = "https://10.0.0.7:8443"
	var j batchv1.Job
	decodeStrict(t, filepath.Join(emit(t, o), JobFile), &j)
	c := j.Spec.Template.Spec.Containers[0]
	if c.Image != o.Image {
		t.Errorf("image = %q, want %q", c.Image, o.Image)
	}
	checkResources(t, c.Resources, "2", "1Gi")
	if *j.Spec.Completions != 1 || *j.Spec.Parallelism != 1 || !slices.Contains(c.Args, "$(JOB_COMPLETION_INDEX)/1") {
		t.Errorf("one shard: completions %d, parallelism %d, args %q", *j.Spec.Completions, *j.Spec.Parallelism, c.Args)
	}
	if slices.Contains(c.Args, "--allow-remote") || !slices.Contains(c.Args, "https://10.0.0.7:8443") {
		t.Errorf("args %q: want the target, without --allow-remote", c.Args)
	}
}
