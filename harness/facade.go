package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/sut"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/harness/internal/swarm"
)

// The CLI reaches the storm engine and the container runner only through
// these names, so both can stay internal to harness.

// Shard selects a deterministic part of the callers (--shard i/n); the zero
// value selects every caller.
type Shard = storm.Shard

// Swept counts what a sweep removed.
type Swept = sutrun.Swept

// Sentinel errors a caller maps to exit codes.
var (
	// ErrRemoteTarget: the target is outside loopback (or malformed) and
	// remote targets were not allowed.
	ErrRemoteTarget = storm.ErrRemoteTarget
	// ErrUnreachable: nothing answers at the target's address.
	ErrUnreachable = storm.ErrUnreachable
	// ErrDockerUnavailable: the Docker engine does not answer.
	ErrDockerUnavailable = sutrun.ErrDockerUnavailable
)

// ParseShard parses "i/n" with 0 <= i < n; "" is every caller. i may be
// $NAME or ${NAME}: the index is then read from that environment variable,
// for engines that put a task's index in its environment but run no shell
// to expand it (a Swarm task of the FROM scratch image: --shard '$SHARD/4'
// with SHARD set from {{.Task.Slot}}).
func ParseShard(s string) (Shard, error) { return parseShard(s, os.LookupEnv) }

// parseShard is ParseShard reading variables from lookupEnv.
func parseShard(s string, lookupEnv func(string) (string, bool)) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	got := fmt.Sprintf("%q", s)
	if name, isVar := strings.CutPrefix(i, "$"); isVar {
		name = strings.TrimSuffix(strings.TrimPrefix(name, "{"), "}")
		v, set := lookupEnv(name)
		if !set {
			return Shard{}, fmt.Errorf("--shard %q: the environment variable %s is not set", s, name)
		}
		i = v
		got = fmt.Sprintf("%q (%s=%q)", s, name, v)
	}
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || cnt < 1 || idx < 0 || idx >= cnt {
		return Shard{}, fmt.Errorf("--shard must be i/n with 0 <= i < n, got %s", got)
	}
	return Shard{Index: idx, Count: cnt}, nil
}

// CheckTarget refuses a target outside loopback unless allowRemote,
// without sending it anything, then dials it once.
func CheckTarget(ctx context.Context, target string, allowRemote bool) error {
	return storm.CheckTarget(ctx, target, allowRemote)
}

// SweepOptions select what Sweep removes: one run's objects (RunID),
// objects older than OlderThan, and the cached reference image only when
// Images is set.
type SweepOptions = sutrun.SweepOptions

// Sweep removes the Docker objects labelled rehearse.run that o selects:
// the swarm services (of distributed runs) and configs first, so no task
// is left to hold a container, then containers, networks, volumes and
// images.
func Sweep(ctx context.Context, o SweepOptions) (Swept, error) {
	svc, cfg, serr := swarm.Sweep(ctx, o.RunID, o.OlderThan)
	if errors.Is(serr, ErrDockerUnavailable) {
		serr = nil // sutrun.Sweep says it
	}
	s, err := sutrun.Sweep(ctx, o)
	s.Services, s.Configs = svc, cfg
	return s, errors.Join(serr, err)
}

// BuildReferenceImage builds (or reuses) the reference services' image and
// returns its tag.
func BuildReferenceImage(ctx context.Context, logf func(string, ...any)) (string, error) {
	return sutrun.BuildReferenceImage(ctx, "", logf)
}

// UploadsvcName is the program name under which the rehearse executable
// serves as the reference service (its path in the reference image is
// /uploadsvc).
const UploadsvcName = sutrun.UploadsvcName

// ServeFromSelf declares that the running executable serves as uploadsvc
// when started as UploadsvcName (see ServeUploadsvc), so reference images
// are built from it: a binary copied alone onto a machine with Docker and
// without Go or the source tree rehearses the built-in scenarios.
func ServeFromSelf() { sutrun.ServeFromSelf() }

// ServeUploadsvc is the reference service's process (cmd/uploadsvc's),
// for an executable started as UploadsvcName: it serves until ctx ends.
func ServeUploadsvc(ctx context.Context, version string, args []string, stderr io.Writer) error {
	return sut.Main(ctx, version, args, stderr)
}
