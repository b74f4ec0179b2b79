// Package k8s writes the Kubernetes manifests of a distributed rehearsal
// (docs/distributed.md): a ConfigMap holding the scenario and an Indexed Job whose
// pod i runs `rehearse attack --shard i/N` from the FROM scratch rehearse
// image, every shard starting at one instant, plus a README.md with the
// plain kubectl commands that start the shards, wait for them, collect
// their results and merge them. It talks to no cluster and imports no
// Kubernetes client: the manifests are this package's own minimal structs
// marshalled to YAML; its tests decode them strictly into k8s.io/api's types.
package k8s

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Defaults of Options, reused by the CLI for its flags.
const (
	// DefaultCPU is each shard's CPU request and limit.
	DefaultCPU = "500m"
	// DefaultMemory is each shard's memory request and limit.
	DefaultMemory = "256Mi"
	// DefaultImageRepo is the repository `make image` tags the rehearse
	// image in; DefaultImage adds the version.
	DefaultImageRepo = "rehearse/rehearse"
	// DefaultStartIn is how far ahead of the emit the shards start when
	// the caller gives no instant: time to review the manifests, apply them
	// and let the cluster schedule N pods and pull the image.
	DefaultStartIn = 2 * time.Minute
	// DefaultDeadline is the Job's activeDeadlineSeconds: from its start,
	// the shards' pods are ended after this long, whatever they do.
	DefaultDeadline = 2 * time.Hour
	// DefaultTTL is the Job's ttlSecondsAfterFinished: the finished Job
	// and its pods (and their logs) are deleted this long after it ends,
	// time enough to collect the logs.
	DefaultTTL = 6 * time.Hour
)

// MaxShards is the most completions Kubernetes accepts for an Indexed Job.
const MaxShards = 100_000

// MaxScenarioBytes bounds the scenario file: a ConfigMap holds at most
// 1 MiB, and the object's own fields need a little of it.
const MaxScenarioBytes = 1<<20 - 4<<10

// maxRunID keeps the pods' host names (<job>-<index>) within the 63
// characters of a DNS label.
const maxRunID = 52

// Scenario is the scenario the shards run, as the ConfigMap carries it.
type Scenario struct {
	// Name is the scenario's name: the result folder each shard writes.
	Name string
	// Source is the scenario file's bytes, carried verbatim.
	Source []byte
	// Path, when Files or Parts are set, is the scenario's path below a
	// shard's folder (Files holds it); "" is ScenarioKey beside nothing.
	Path string
	// Files are the files every shard reads, the scenario first, each at
	// its path below the shard's folder (files.go).
	Files []File
	// Parts, when set, are each shard's own files (a replay's part of the
	// trace): shard i gets Parts[i] beside Files, in a folder of its own.
	Parts [][]File
}

// File is a file a shard reads, at Path (slash-separated, relative to the
// shard's folder).
type File struct {
	Path string
	Data []byte
}

// Options say what the manifests run. The zero value is not usable: RunID,
// Shards, Target and StartAt are required; the rest have defaults.
type Options struct {
	// RunID names the objects (the Job is named RunID, the ConfigMap
	// RunID-scenario) and is their rehearse.run label: a lowercase DNS
	// label of at most 52 characters.
	RunID string
	// Shards is N: the Job's completions and parallelism, 1..MaxShards.
	Shards int
	// Image is the shards' image; "" is DefaultImage(Version).
	Image string
	// Version is the rehearse version writing the manifests: the default
	// image's tag and a line of the README. "" is "dev".
	Version string
	// Target is the service's base URL as the pods reach it (a Service's
	// http://NAME.NAMESPACE.svc:PORT); required, http or https.
	Target string
	// AllowRemote passes --allow-remote to every shard.
	AllowRemote bool
	// StartAt, when set, is the instant every shard starts its storm, after
	// Now, written to start.yaml (UTC to the second, rounded up); the
	// manifests themselves never hold an instant: the shards read it from
	// the ConfigMap <run id>-start, made as they are applied.
	StartAt time.Time
	// Namespace, when set, is every object's namespace.
	Namespace string
	// Deadline and TTL are the Job's activeDeadlineSeconds and
	// ttlSecondsAfterFinished; 0 is DefaultDeadline, DefaultTTL.
	Deadline, TTL time.Duration
	// PrometheusRW, when set, is the remote-write URL every shard pushes
	// its live metrics to.
	PrometheusRW string
	// MetricsPort, when > 0, is the port every shard serves its live
	// metrics on (all interfaces: the pod's IP), announced to Prometheus's
	// pod discovery by the prometheus.io/* annotations.
	MetricsPort int
	// Now is the clock StartAt is checked against; zero is time.Now().
	Now time.Time
	// CPU and Memory are each shard's requests and limits (equal, so the
	// pods get the Guaranteed QoS class); "" is DefaultCPU, DefaultMemory.
	CPU, Memory string
}

// DefaultImage is the image `make image` builds for version: DefaultImageRepo
// tagged with it ("dev" when version is "").
func DefaultImage(version string) string {
	if version == "" {
		version = "dev"
	}
	return DefaultImageRepo + ":" + version
}

// ErrInvalid is matched by every error of an option that cannot be used.
var ErrInvalid = errors.New("invalid kubernetes option")

// dnsLabel is RFC 1123's label, as Kubernetes names objects.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// withDefaults returns o with its defaults filled in.
func (o Options) withDefaults() Options {
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Image == "" {
		o.Image = DefaultImage(o.Version)
	}
	if o.CPU == "" {
		o.CPU = DefaultCPU
	}
	if o.Memory == "" {
		o.Memory = DefaultMemory
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	// RFC 3339 to the second, rounded up: never earlier than asked.
	if at := o.StartAt.UTC().Truncate(time.Second); !at.Equal(o.StartAt) {
		o.StartAt = at.Add(time.Second)
	}
	o.StartAt = o.StartAt.UTC()
	return o
}

// validate reports every unusable option of o (with defaults) and sc at
// once, each matching ErrInvalid.
func (o Options) validate(sc Scenario) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if len(o.RunID) > maxRunID || !dnsLabel.MatchString(o.RunID) {
		bad("run id %q is not a lowercase DNS label of at most %d characters", o.RunID, maxRunID)
	}
	if o.Shards < 1 || o.Shards > MaxShards {
		bad("--shards %d: want 1 to %d", o.Shards, MaxShards)
	}
	if u, err := url.Parse(o.Target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("--target %q is not an http(s) base URL", o.Target)
	}
	if strings.TrimSpace(o.Image) != o.Image || strings.ContainsAny(o.Image, " \t\n") {
		bad("--image %q has white space", o.Image)
	}
	if !o.StartAt.IsZero() && !o.StartAt.After(o.Now) {
		bad("start instant %s is in the past (now %s)", o.StartAt.Format(time.RFC3339), o.Now.UTC().Format(time.RFC3339))
	}
	if o.Namespace != "" && (len(o.Namespace) > 63 || !dnsLabel.MatchString(o.Namespace)) {
		bad("--namespace %q is not a lowercase DNS label", o.Namespace)
	}
	if o.MetricsPort < 0 || o.MetricsPort > 65535 {
		bad("metrics port %d: want 1-65535", o.MetricsPort)
	}
	if err := checkQuantity(o.CPU); err != nil {
		bad("--cpu %q: %v", o.CPU, err)
	}
	if err := checkMemory(o.Memory); err != nil {
		bad("--memory %q: %v", o.Memory, err)
	}
	if sc.Name == "" || len(sc.Source) == 0 {
		bad("the scenario has no name or no source")
	}
	if len(sc.Source) > MaxScenarioBytes {
		bad("scenario %s is %d bytes; a ConfigMap holds at most 1 MiB", sc.Name, len(sc.Source))
	}
	if sc.Parts != nil && len(sc.Parts) != o.Shards {
		bad("%d shards' files for %d shards", len(sc.Parts), o.Shards)
	}
	return errors.Join(errs...)
}
