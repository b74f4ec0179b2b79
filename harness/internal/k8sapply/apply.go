// Package k8sapply runs on a cluster the manifests package k8s wrote
// (rehearse distribute --engine k8s --apply): it creates their objects
// through client-go, sets the shards' common start, waits until the Job
// is Complete or Failed, reads each shard's log and deletes what it
// created. It speaks to the API server as the user's kubeconfig says
// (client.go); its tests, to a fake API server with a stand-in for the
// Job controller.
package k8sapply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/rehearse-dev/rehearse/harness/internal/k8s"
)

// Options say which manifests to apply and how.
type Options struct {
	// Dir is the folder k8s.Emit wrote; its ConfigMaps and Job are
	// created in file-name order (the ConfigMaps first).
	Dir string
	// RunID is the run the manifests are of (their rehearse.run label).
	RunID string
	// Shards is N, the Job's completions.
	Shards int
	// Namespace is where objects without one of their own are created
	// (the kubeconfig context's); "" is "default".
	Namespace string
	// StartAt, when set, is written into the start ConfigMap
	// (k8s.StartConfigMapName) this creates: the manifests hold none.
	// Zero when they do (emitted with a start).
	StartAt time.Time
	// Poll is how often the Job is looked at; 0 is 2 s.
	Poll time.Duration
	// Wait bounds the wait for the Job (its activeDeadlineSeconds and a
	// margin); 0 is k8s.DefaultDeadline plus 5 minutes.
	Wait time.Duration
	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// Shard is one shard as the cluster ran it.
type Shard struct {
	// Index is its completion index, 0..N-1.
	Index int
	// Pod is the pod that ran it ("" when the Job made none).
	Pod string
	// Phase is the pod's last phase (Succeeded, Failed, ...); Reason
	// what the cluster said of a pod that did not succeed.
	Phase, Reason string
	// Log is its log, with the shard's result frame when it printed one;
	// LogErr why it could not be read.
	Log    []byte
	LogErr error

	created metav1.Time // of its pod: the last one's log is the shard's
}

// ErrNoJob means the folder holds no Job the manifests of k8s.Emit would.
var ErrNoJob = errors.New("no Job among the manifests")

// Run creates the objects of o.Dir through cl, waits for the Job to end,
// and returns every shard's pod and log, by index (a shard whose pod
// never ran is there with no pod). What it created is deleted when it
// returns, also when ctx ends (then the error wraps ctx's).
func Run(ctx context.Context, cl *Client, o Options) ([]Shard, error) {
	o = o.withDefaults()
	cms, job, err := readManifests(o.Dir)
	if err != nil {
		return nil, err
	}
	if !o.StartAt.IsZero() {
		cms = append(cms, startConfigMap(o, job))
	}
	created := &createdObjects{cl: cl, runID: o.RunID}
	defer created.delete(o.Logf)
	for _, cm := range cms {
		if err := created.configMap(ctx, o.namespace(cm.Namespace), cm); err != nil {
			return nil, err
		}
	}
	if err := created.job(ctx, o.namespace(job.Namespace), job); err != nil {
		return nil, err
	}
	ns := o.namespace(job.Namespace)
	o.Logf("applied %d ConfigMap(s) and job/%s in namespace %s; waiting for its %d shards", len(cms), job.Name, ns, o.Shards)
	if err := waitJob(ctx, cl, ns, job.Name, o); err != nil {
		return nil, err
	}
	return shards(ctx, cl, ns, o)
}

func (o Options) withDefaults() Options {
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Wait <= 0 {
		o.Wait = k8s.DefaultDeadline + 5*time.Minute
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// namespace is an object's namespace: its own, else the run's.
func (o Options) namespace(own string) string {
	switch {
	case own != "":
		return own
	case o.Namespace != "":
		return o.Namespace
	}
	return metav1.NamespaceDefault
}

// readManifests decodes the .yaml files of dir, strictly, into the
// ConfigMaps and the one Job k8s.Emit writes.
func readManifests(dir string) ([]*corev1.ConfigMap, *batchv1.Job, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(names)
	var cms []*corev1.ConfigMap
	var job *batchv1.Job
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, nil, err
		}
		for i, doc := range bytes.Split(b, []byte("\n---\n")) {
			var kind struct{ Kind string }
			if err := yaml.Unmarshal(doc, &kind); err != nil {
				return nil, nil, fmt.Errorf("%s (document %d): %w", name, i+1, err)
			}
			switch kind.Kind {
			case "ConfigMap":
				cm := &corev1.ConfigMap{}
				err = yaml.UnmarshalStrict(doc, cm)
				cms = append(cms, cm)
			case "Job":
				job = &batchv1.Job{}
				err = yaml.UnmarshalStrict(doc, job)
			default:
				err = fmt.Errorf("kind %q is not one rehearse writes", kind.Kind)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("%s (document %d): %w", name, i+1, err)
			}
		}
	}
	if job == nil {
		return nil, nil, fmt.Errorf("%s: %w (write them with rehearse distribute --engine k8s --emit DIR)", dir, ErrNoJob)
	}
	return cms, job, nil
}

// startConfigMap is the ConfigMap the shards read their start from,
// holding o.StartAt, labelled like the Job.
func startConfigMap(o Options, job *batchv1.Job) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: k8s.StartConfigMapName(o.RunID), Namespace: job.Namespace,
			Labels: map[string]string{k8s.RunLabel: o.RunID}, Annotations: job.Annotations},
		Data: map[string]string{k8s.StartKey: o.StartAt.UTC().Format(time.RFC3339)},
	}
}

// indexOf is the completion index the Job controller gave pod p; false
// when it gave none.
func indexOf(p *corev1.Pod) (int, bool) {
	v, ok := p.Annotations[k8s.IndexAnnotation]
	if !ok {
		v, ok = p.Labels[k8s.IndexAnnotation]
	}
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	return i, err == nil
}
