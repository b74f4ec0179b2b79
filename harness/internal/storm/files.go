package storm

import (
	"fmt"
	"syscall"
)

// fileReserve is what the process keeps open besides the storm's sockets:
// standard streams, the network poller, the attempt log, listeners.
const fileReserve = 32

// raiseFileLimit raises the soft limit on open files (ulimit -n) to the
// hard one: every caller in flight holds a socket, and a soft limit of
// 1024 is common. It returns the soft limit in force afterwards, which is
// the old one (with the error) when raising failed.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("read file limit: %w", err)
	}
	if l.Cur >= l.Max {
		return l.Cur, nil
	}
	soft := l.Cur
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return soft, fmt.Errorf("raise file limit from %d to %d: %w", soft, l.Max, err)
	}
	return l.Cur, nil
}

// fileNote says when the files this storm may hold at once (one socket per
// caller of the shard that may be in flight, one per status poller, the
// process's own) exceed limit, and what to do; "" when they fit.
func fileNote(callers, pollers int, limit uint64) string {
	need := uint64(callers + pollers + fileReserve)
	if need <= limit {
		return ""
	}
	return fmt.Sprintf("generator file limit %d (ulimit -n) is below the %d files this storm may hold at once "+
		"(%d callers in flight, %d status pollers, %d for the process): attempts beyond it fail as the generator's "+
		"out_of_files errors and make the run invalid; raise ulimit -n, run fewer callers, or split the run into shards (--shard i/n)",
		limit, need, callers, pollers, fileReserve)
}

// checkFiles raises the file limit and returns the notes for the report
// when this storm may not fit in it (each note is logged too), and the
// limit in force.
func (e *engine) checkFiles() ([]string, uint64) {
	pollers := 0
	if e.trk != nil {
		pollers = min(e.opts.Pollers, e.waiting)
	}
	limit, err := raiseFileLimit()
	var notes []string
	if err != nil {
		notes = append(notes, "generator: "+err.Error())
	}
	if limit > 0 {
		if n := fileNote(e.waiting, pollers, limit); n != "" {
			notes = append(notes, n)
		}
	}
	for _, n := range notes {
		e.opts.Logf("warning: %s", n)
	}
	return notes, limit
}
