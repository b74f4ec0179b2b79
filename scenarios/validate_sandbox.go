package scenarios

import (
	"path"
	"regexp"
	"strings"
)

// userRe is a container user as Docker takes it: a name or uid, with an
// optional group or gid.
var userRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$`)

// validateSandbox checks how a team image's sandbox is shaped: writable
// paths are absolute folders other than / and /tmp (which is already a
// tmpfs), each once; the tmpfs size is sane; the user is one Docker takes.
func validateSandbox(l *locator, p string, im *Image) {
	seen := map[string]bool{}
	for i, w := range im.Writable {
		at := p + ".writable[" + itoa(i) + "]"
		clean := path.Clean(w)
		switch {
		case !strings.HasPrefix(w, "/"):
			l.add(at, "must be an absolute path in the container, like /data, got %q", w)
		case clean == "/":
			l.add(at, "cannot be / : the root file system stays read-only; name the folders your service writes to")
		case clean == "/tmp":
			l.add(at, "/tmp is already writable (a tmpfs of tmpfs_mb MiB, emptied on every restart)")
		case seen[clean]:
			l.add(at, "%s is named twice", clean)
		}
		seen[clean] = true
	}
	if len(im.Writable) > 16 {
		l.add(p+".writable", "at most 16 paths, got %d", len(im.Writable))
	}
	if im.TmpfsMB < 1 || im.TmpfsMB > 65536 {
		l.add(p+".tmpfs_mb", "must be 1..65536 MiB, got %d", im.TmpfsMB)
	}
	if im.User != "" && !userRe.MatchString(im.User) {
		l.add(p+".user", `must be a user or uid, optionally with a group or gid ("65532", "1000:1000", "app"), got %q`, im.User)
	}
}
