package main

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
)

// quietPipe is stdout or stderr as the commands write to it: once the
// reader has gone (rehearse compare a b | head), a write fails with EPIPE
// (SIGPIPE is ignored, main.go) and every write after it is dropped as if
// it had been made, so the command goes on to its end — containers
// removed, files written — and exits with its verdict's code, quietly,
// instead of failing on the first line head did not want (exit 3).
type quietPipe struct {
	w      io.Writer
	closed atomic.Bool
}

func newQuietPipe(w io.Writer) *quietPipe { return &quietPipe{w: w} }

func (q *quietPipe) Write(p []byte) (int, error) {
	if q.closed.Load() {
		return len(p), nil
	}
	n, err := q.w.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		q.closed.Store(true)
		return len(p), nil
	}
	return n, err
}

// Fd is the descriptor of the file beneath, so the progress can ask
// whether it is a terminal; ^0 (no descriptor) for any other writer.
func (q *quietPipe) Fd() uintptr {
	if f, ok := q.w.(*os.File); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}
