package sutrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/rehearse-dev/rehearse/internal/errext"
)

// unhealthyTail is how many of a unit's last log lines go with the error
// of a SUT that never became healthy.
const unhealthyTail = 20

// tailer is a unit that can give its last log lines.
type tailer interface {
	tail(ctx context.Context, n int) (string, error)
}

// unhealthy is the error of a SUT that never became healthy: its cause,
// each unit's last log lines (the reason is usually there: a write to a
// read-only path, a port already taken), and, for containers, the sandbox
// they ran in and how to change it as a hint (errext.WithHint).
func (d *Deployment) unhealthy(ctx context.Context, cause error) error {
	d.mu.Lock()
	units := append([]unit{}, d.replicas...)
	specs := append([]spec{}, d.specs...)
	d.mu.Unlock()
	var b strings.Builder
	for _, u := range units {
		t, ok := u.(tailer)
		if !ok {
			continue
		}
		lines, err := t.tail(ctx, unhealthyTail)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "\n%s: its log could not be read: %v", u.name(), err)
		case strings.TrimSpace(lines) == "":
			fmt.Fprintf(&b, "\n%s wrote nothing to its log", u.name())
		default:
			fmt.Fprintf(&b, "\n%s, its last log lines:\n%s", u.name(), strings.TrimRight(lines, "\n"))
		}
	}
	err := fmt.Errorf("sut never became healthy at %s%s: %w (logs in %s)%s", d.target, d.health, cause, d.opts.LogDir, b.String())
	if d.opts.Runtime == RuntimeDocker && len(specs) > 0 {
		err = errext.WithHint(err, specs[0].sandboxHint())
	}
	return err
}

// tail is the container's last n log lines, stdout and stderr together,
// read from the engine (the log follower may not have copied them yet).
func (u *dockerUnit) tail(ctx context.Context, n int) (string, error) {
	rc, err := u.b.cli.ContainerLogs(ctx, u.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(n)})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		return out.String(), err
	}
	return out.String(), nil
}

// tail is the process's last n log lines, from its log file.
func (u *procUnit) tail(_ context.Context, n int) (string, error) {
	if u.b.d.opts.LogDir == "" {
		return "", nil
	}
	b, err := os.ReadFile(filepath.Join(u.b.d.opts.LogDir, u.s.name+".log"))
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n"), nil
}
