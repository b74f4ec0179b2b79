package sutrun

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// The sandbox every SUT container runs in (README, docs/upgrades.md): a
// read-only root file system, /tmp as a tmpfs of spec.tmpfsMB MiB (default
// scenarios.DefaultTmpfsMB), every capability dropped, no new privileges,
// the reference image as sutUser, and writable only where a volume is
// mounted: the reference services' /data, and sut.image.writable.

// mount is a Docker volume of the run mounted at path.
type mount struct{ volume, path string }

// writableMounts are the volumes of paths for unit name: a path that old
// already mounts keeps its volume (an upgraded replica keeps its disk),
// any other gets a new one named after the unit.
func writableMounts(old []mount, paths []string, name string) []mount {
	var out []mount
	for i, p := range paths {
		if j := slices.IndexFunc(old, func(m mount) bool { return m.path == p }); j >= 0 {
			out = append(out, old[j])
			continue
		}
		out = append(out, mount{volume: fmt.Sprintf("%s-w%d", name, i+1), path: p})
	}
	return out
}

// allMounts is the reference services' /data volume and the writable paths.
func (s spec) allMounts() []mount {
	var out []mount
	if s.volume != "" {
		out = append(out, mount{volume: s.volume, path: "/data"})
	}
	return append(out, s.mounts...)
}

// containerUser is the user the container runs as: sut.image.user, else
// sutUser for the reference image, else "" (the image's own USER).
func (s spec) containerUser() string {
	switch {
	case s.user != "":
		return s.user
	case strings.HasPrefix(s.image, ReferenceRepo+":"):
		return sutUser
	}
	return ""
}

// tmpfsSize is the /tmp tmpfs's size in MiB.
func (s spec) tmpfsSize() int {
	if s.tmpfsMB > 0 {
		return s.tmpfsMB
	}
	return scenarios.DefaultTmpfsMB
}

// sandbox applies the hardening and the writable mounts to hc.
func sandbox(hc *container.HostConfig, s spec) {
	hc.ReadonlyRootfs = true
	hc.SecurityOpt = []string{"no-new-privileges:true"}
	hc.CapDrop = []string{"ALL"}
	hc.Tmpfs = map[string]string{"/tmp": fmt.Sprintf("rw,size=%dm", s.tmpfsSize())}
	hc.Binds = nil
	for _, m := range s.allMounts() {
		hc.Binds = append(hc.Binds, m.volume+":"+m.path)
	}
}

// sandboxHint is the advice given with a SUT that never became healthy:
// what its container was given, and the keys that change it.
func (s spec) sandboxHint() string {
	user := s.containerUser()
	if user == "" {
		user = "the image's own user"
	}
	writable := []string{"/tmp"}
	for _, m := range s.allMounts() {
		writable = append(writable, m.path)
	}
	return fmt.Sprintf("the SUT container runs with a read-only root file system, /tmp as a %d MiB tmpfs (emptied on every restart), "+
		"writable only at %s, no capabilities, no new privileges, as %s; a service that writes elsewhere needs sut.image.writable: [/its/folder], "+
		"more /tmp sut.image.tmpfs_mb, another user sut.image.user (docs/upgrades.md)", s.tmpfsSize(), strings.Join(writable, ", "), user)
}

// createVolume creates a volume of the run, once, and records it for close.
func (b *dockerBackend) createVolume(ctx context.Context, name string) error {
	b.mu.Lock()
	known := slices.Contains(b.volumes, name)
	b.mu.Unlock()
	if known {
		return nil
	}
	if _, err := b.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: b.labels()}); err != nil {
		return fmt.Errorf("create volume %s: %w", name, err)
	}
	b.mu.Lock()
	b.volumes = append(b.volumes, name)
	b.mu.Unlock()
	return nil
}
