// Package k8s writes the Kubernetes manifests of a distributed rehearsal
// (README, "Beyond one machine"): a ConfigMap holding the scenario and an Indexed Job whose
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
	// StartAt is the instant every shard starts its storm; required, and
	// after Now. It is written in UTC to the second, rounded up.
	StartAt time.Time
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
	switch {
	case o.StartAt.IsZero():
		bad("no start instant: the shards must start together")
	case !o.StartAt.After(o.Now):
		bad("start instant %s is in the past (now %s)", o.StartAt.Format(time.RFC3339), o.Now.UTC().Format(time.RFC3339))
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
	return errors.Join(errs...)
}
