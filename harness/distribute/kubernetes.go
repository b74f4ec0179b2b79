package distribute

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/harness/internal/k8s"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// KubernetesOptions say what the manifests of a distributed storm run: the
// run id, the shard count, the target, the start instant, the image and
// each shard's CPU and memory (k8s.Options: each field's default in its
// doc).
type KubernetesOptions = k8s.Options

// KubernetesManifests is what EmitKubernetes wrote: the files, the Job's
// and the ConfigMap's names, the image and the start instant.
type KubernetesManifests = k8s.Emitted

// Defaults of KubernetesOptions, for the CLI's flags.
const (
	DefaultShardCPU          = k8s.DefaultCPU
	DefaultShardMemory       = k8s.DefaultMemory
	DefaultKubernetesStartIn = k8s.DefaultStartIn
)

// DefaultShardImage is the image `make image` builds for version, which
// the shards run unless told otherwise: rehearse/rehearse:<version>.
func DefaultShardImage(version string) string { return k8s.DefaultImage(version) }

// ErrKubernetesOptions is matched by every error of EmitKubernetes about
// its input: an unusable option, a scenario the pods cannot run, or an
// output folder holding other manifests.
var ErrKubernetesOptions = k8s.ErrInvalid

// EmitKubernetes writes into dir (see k8s.Emit) ConfigMaps holding sc and
// the files it names (a replay: each shard's own callers' part of the
// trace, in a ConfigMap of its own) and an Indexed Job running it as
// o.Shards shards of `rehearse attack`, all starting at the instant of the
// start ConfigMap (o.StartAt's, or made as they are applied), and a README.md with the kubectl commands that
// start them, wait, collect each shard's log and merge them (Merge). It
// contacts no cluster. An empty o.Target is sc's sut.url.
//
// It writes nothing and returns an error matching ErrKubernetesOptions
// for every unusable option at once, for a scenario the pods cannot run
// (an upgrade by the team's own command, which every shard would run, in
// an image without a shell; a file it names by an absolute path), for
// a loopback target (in a pod that is the pod itself), and for a folder
// holding other manifests; a remote target without o.AllowRemote is
// ErrRemoteTarget.
func EmitKubernetes(dir string, sc *scenarios.Scenario, o KubernetesOptions) (*KubernetesManifests, error) {
	if o.Target == "" {
		o.Target = sc.SUT.URL
	}
	if err := errors.Join(shardable(sc), podTarget(o.Target, o.AllowRemote)); err != nil {
		return nil, err
	}
	ksc := k8s.Scenario{Name: sc.Name, Source: sc.Source}
	if len(namedFiles(sc)) > 0 {
		sf, err := newShardFiles(sc, o.Shards)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKubernetesOptions, err)
		}
		ksc.Path = sf.scenario
		ksc.Files = k8sFiles(sf.each[0][:sf.shared])
		if sf.replay != "" {
			for _, fs := range sf.each {
				ksc.Parts = append(ksc.Parts, k8sFiles(fs[sf.shared:]))
			}
		}
	}
	m, err := k8s.Emit(dir, ksc, o)
	if errors.Is(err, k8s.ErrForeignManifests) {
		err = fmt.Errorf("%w: %w", ErrKubernetesOptions, err)
	}
	return m, err
}

// shardable refuses a scenario whose shards could not run it as written
// anywhere but on this machine.
func shardable(sc *scenarios.Scenario) error {
	var errs []error
	if sc.Upgrade != nil && sc.Upgrade.Deploys() {
		errs = append(errs, fmt.Errorf("%w: %s upgrades by its own command, which every shard would run, in an image without a shell (run the deploy yourself, beside the storm)",
			ErrKubernetesOptions, sc.Name))
	}
	return errors.Join(errs...)
}

// k8sFiles are files as the manifests carry them.
func k8sFiles(fs []shardFile) []k8s.File {
	out := make([]k8s.File, len(fs))
	for i, f := range fs {
		out[i] = k8s.File{Path: f.rel, Data: f.data}
	}
	return out
}

// podTarget refuses a target the pods cannot mean: one on loopback, and a
// remote one unless allowRemote. It looks nothing up: the target's name
// is the cluster's (NAME.NAMESPACE.svc), not this machine's. A malformed
// target is left to k8s.Emit's checks.
func podTarget(target string, allowRemote bool) error {
	u, err := url.Parse(target)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return fmt.Errorf("%w: --target %s: in a pod, %s is the pod itself; give the service's address as the pods reach it (e.g. http://uploadsvc.staging.svc:8080)",
			ErrKubernetesOptions, target, host)
	}
	if !allowRemote {
		return fmt.Errorf("%w: --target %s is outside this machine: pass --allow-remote to send the shards' callers there (one typo must not point thousands of callers at production)",
			harness.ErrRemoteTarget, target)
	}
	return nil
}
