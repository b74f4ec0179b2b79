package distribute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/rehearse-dev/rehearse/harness/internal/k8sapply"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// KubernetesCluster is a cluster to apply manifests to: its API server as
// the kubeconfig reaches it, and the namespace of the kubeconfig's
// context.
type KubernetesCluster struct {
	Client    *k8sapply.Client
	Namespace string
}

// KubernetesClusterAt is the cluster whose API server is at url, reached
// without credentials (a test's fake API server), in namespace ns.
func KubernetesClusterAt(url, ns string) (KubernetesCluster, error) {
	cl, err := k8sapply.NewClient(&rest.Config{Host: url})
	return KubernetesCluster{Client: cl, Namespace: ns}, err
}

// ErrNoKubernetes means kubectl's configuration names no cluster.
var ErrNoKubernetes = errors.New("no Kubernetes cluster configured")

// ConnectKubernetes is the cluster kubectl would use: KUBECONFIG, else
// ~/.kube/config, its current context (or context, when given), or the
// cluster a pod runs in. It sends nothing: a cluster that does not
// answer fails at the first request.
func ConnectKubernetes(context string) (KubernetesCluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return KubernetesCluster{}, fmt.Errorf("%w: kubectl's configuration (KUBECONFIG, ~/.kube/config) names none; without --apply, distribute --engine k8s writes the manifests for you to apply", ErrNoKubernetes)
		}
		return KubernetesCluster{}, fmt.Errorf("kubectl's configuration: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return KubernetesCluster{}, fmt.Errorf("kubectl's configuration: %w", err)
	}
	cl, err := k8sapply.NewClient(cfg)
	if err != nil {
		return KubernetesCluster{}, fmt.Errorf("kubernetes client: %w", err)
	}
	return KubernetesCluster{Client: cl, Namespace: ns}, nil
}

// KubernetesApplyOptions say how ApplyKubernetes runs emitted manifests.
type KubernetesApplyOptions struct {
	// Out is where the merged run folder goes (and shards/, each
	// shard's log).
	Out string
	// StartIn, when the manifests hold no start, is how long after the
	// objects are created the shards start: time for the cluster to
	// schedule N pods and pull the image.
	StartIn time.Duration
	// Poll and Wait are k8sapply.Options' (0: their defaults).
	Poll, Wait time.Duration
	// Logf receives human progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// ApplyKubernetes runs on cl the manifests EmitKubernetes wrote into dir
// (m): it creates their ConfigMaps and Job (and the start ConfigMap, set
// o.StartIn from now, when m holds no start), waits until the Job is
// Complete or Failed, keeps each shard's log in Out/shards/, merges the
// results they printed like Merge — a shard that printed none is named,
// and the verdict is partial — and deletes what it created, also when
// ctx ends (then the error wraps ErrInterrupted).
func ApplyKubernetes(ctx context.Context, sc *scenarios.Scenario, dir string, m *KubernetesManifests, cl KubernetesCluster, o KubernetesApplyOptions) (*harness.Result, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	ko := k8sapply.Options{Dir: dir, RunID: m.RunID, Shards: m.Shards, Namespace: cl.Namespace,
		Poll: o.Poll, Wait: o.Wait, Logf: o.Logf}
	if m.StartAt.IsZero() {
		ko.StartAt = time.Now().Add(o.StartIn).Truncate(time.Second).Add(time.Second)
		o.Logf("%s: the shards start at %s", sc.Name, ko.StartAt.UTC().Format(time.RFC3339))
	}
	shards, err := k8sapply.Run(ctx, cl.Client, ko)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("distribute %s: %w", sc.Name, errors.Join(harness.ErrInterrupted, err))
		}
		return nil, fmt.Errorf("distribute %s: %w", sc.Name, err)
	}
	return mergePods(ctx, sc, shards, o)
}

// mergePods keeps each shard's log in Out/shards/, says which shards
// printed no result, and merges the results the others printed.
func mergePods(ctx context.Context, sc *scenarios.Scenario, shards []k8sapply.Shard, o KubernetesApplyOptions) (*harness.Result, error) {
	dir := filepath.Join(o.Out, "shards")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("distribute: %w", err)
	}
	logs := make([]io.Reader, 0, len(shards))
	var failed []string
	for _, s := range shards {
		name := filepath.Join(dir, fmt.Sprintf("shard-%d.log", s.Index))
		if err := os.WriteFile(name, s.Log, 0o644); err != nil {
			return nil, fmt.Errorf("distribute: %w", err)
		}
		if !bytes.Contains(s.Log, []byte(frameBegin)) || s.LogErr != nil {
			failed = append(failed, podFailure(s, len(shards), name))
		}
		logs = append(logs, bytes.NewReader(s.Log))
	}
	for _, f := range failed {
		o.Logf("%s", f)
	}
	res, err := MergeLogs(ctx, logs, o.Out, MergeOptions{Logf: o.Logf, Scenario: sc})
	if err != nil && len(failed) > 0 {
		return res, fmt.Errorf("%s: %w; %s", sc.Name, err, strings.Join(failed, "; "))
	}
	return res, err
}

// podFailure says how a shard that printed no result ended.
func podFailure(s k8sapply.Shard, n int, log string) string {
	if s.Pod == "" {
		return fmt.Sprintf("shard %d of %d: the Job made no pod for it", s.Index, n)
	}
	msg := fmt.Sprintf("shard %d of %d: pod %s %s", s.Index, n, s.Pod, s.Phase)
	if r := strings.TrimSpace(s.Reason); r != "" {
		msg += " (" + r + ")"
	}
	if s.LogErr != nil {
		msg += fmt.Sprintf("; its log could not be read: %v", s.LogErr)
	} else if lines := strings.Split(strings.TrimSpace(string(s.Log)), "\n"); lines[len(lines)-1] != "" {
		msg += "; last line: " + lines[len(lines)-1]
	}
	return msg + " (" + log + ")"
}
