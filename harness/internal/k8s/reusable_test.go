package k8s

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestEmitReusableReplay: without a start the manifests hold no instant
// (no configmap-start.yaml; the README creates it as it applies); in a
// namespace, each object is; a replay's shards each get their own
// ConfigMap (binary parts as binaryData) beside the common one, projected
// into /scenario/<index>/ at the paths the scenario names, and the shard
// reads /scenario/$(JOB_COMPLETION_INDEX)/...; metrics are announced to
// Prometheus's pod discovery, and remote write passed on. Every document
// decodes strictly into k8s.io/api's types.
func TestEmitReusableReplay(t *testing.T) {
	o := testOptions()
	o.StartAt, o.Namespace, o.MetricsPort, o.PrometheusRW = time.Time{}, "load", 9464, "http://prometheus.monitoring.svc:9090/api/v1/write"
	gz := []byte{0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe}
	sc := Scenario{Name: "replayed", Source: []byte("name: replayed\n"), Path: "up/replayed.yaml",
		Files: []File{{Path: "up/replayed.yaml", Data: []byte("name: replayed\n")}, {Path: "up/ca.pem", Data: []byte("PEM")}},
		Parts: [][]File{{{Path: "traces/t.trace.jsonl.gz", Data: gz}}, {{Path: "traces/t.trace.jsonl.gz", Data: gz}},
			{{Path: "traces/t.trace.jsonl.gz", Data: gz}}, {{Path: "traces/t.trace.jsonl.gz", Data: gz}}}}
	dir := filepath.Join(t.TempDir(), "k8s")
	m, err := Emit(dir, sc, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 3 || !m.StartAt.IsZero() {
		t.Errorf("files %v start %v: want no start file, no instant", m.Files, m.StartAt)
	}
	b, err := os.ReadFile(filepath.Join(dir, ConfigMapFile))
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(b, []byte("\n---\n"))
	if len(docs) != 5 {
		t.Fatalf("%d ConfigMaps, want the common one and 4 shards'", len(docs))
	}
	for i, d := range docs {
		var cm corev1.ConfigMap
		if err := yaml.UnmarshalStrict(d, &cm); err != nil {
			t.Fatalf("ConfigMap %d: %v\n%s", i, err, d)
		}
		if cm.Namespace != "load" || (i > 0 && !bytes.Equal(cm.BinaryData["f0"], gz)) {
			t.Errorf("ConfigMap %d: namespace %q binaryData %v", i, cm.Namespace, cm.BinaryData)
		}
	}
	var j batchv1.Job
	decodeStrict(t, filepath.Join(dir, JobFile), &j)
	pod := j.Spec.Template
	c := pod.Spec.Containers[0]
	if j.Namespace != "load" || pod.Annotations["prometheus.io/port"] != "9464" || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 9464 {
		t.Errorf("namespace %q, annotations %v, ports %v", j.Namespace, pod.Annotations, c.Ports)
	}
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"--start-at $(REHEARSE_START_AT)", "--prometheus-rw " + o.PrometheusRW, "--metrics-addr :9464", "/scenario/$(JOB_COMPLETION_INDEX)/up/replayed.yaml"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	var paths []string
	for _, v := range pod.Spec.Volumes {
		if v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			for _, it := range src.ConfigMap.Items {
				paths = append(paths, it.Path)
			}
		}
	}
	for _, want := range []string{"0/up/replayed.yaml", "0/up/ca.pem", "0/traces/t.trace.jsonl.gz", "3/traces/t.trace.jsonl.gz"} {
		if !slices.Contains(paths, want) {
			t.Errorf("projected paths %v lack %s", paths, want)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(dir, ReadmeFile))
	if !bytes.Contains(readme, []byte("kubectl create configmap "+o.RunID+"-start -n load")) {
		t.Errorf("README does not create the start as it applies:\n%s", readme)
	}
}
