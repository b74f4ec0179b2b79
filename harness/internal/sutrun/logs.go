package sutrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// follow copies the container's logs into LogDir/<name>.log from now on
// (re-armed on every start: a log stream ends when its container dies).
// A follower that cannot start is a loss the report notes.
func (b *dockerBackend) follow(u *dockerUnit) {
	if b.d.opts.LogDir == "" {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.mu.Lock()
	if old := b.loggers[u.id]; old != nil {
		old()
	}
	b.loggers[u.id] = cancel
	b.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		f, err := os.OpenFile(filepath.Join(b.d.opts.LogDir, u.s.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			b.d.lost(lossLogs, fmt.Errorf("open log of %s: %w", u.s.name, err))
			return
		}
		defer f.Close()
		rc, err := b.cli.ContainerLogs(ctx, u.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true,
			Since: strconv.FormatInt(time.Now().Add(-2*time.Second).Unix(), 10)})
		if err != nil {
			if !b.gone(ctx, u, err) {
				b.d.lost(lossLogs, fmt.Errorf("follow log of %s: %w", u.s.name, err))
			}
			return
		}
		defer rc.Close()
		go func() { <-ctx.Done(); rc.Close() }()
		// The copy ends when the container stops or the follower is
		// cancelled; either is normal.
		_, _ = stdcopy.StdCopy(f, f, rc)
	}()
}
