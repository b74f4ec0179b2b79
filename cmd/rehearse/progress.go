package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// stormClock is the one clock of the human output: the elapsed time of the
// storm now running, as the harness measures it (reports.Live.Elapsed).
// Progress lines and log lines written during a storm carry it; lines
// outside a storm (set-up, image builds, verdicts) carry no time at all, so
// no line shows a second clock that starts somewhere else.
type stormClock struct {
	mu    sync.Mutex
	start time.Time // zero outside a storm
}

// tick aligns the clock with a snapshot of the storm's own elapsed time.
func (c *stormClock) tick(elapsed time.Duration) {
	c.mu.Lock()
	c.start = time.Now().Add(-elapsed)
	c.mu.Unlock()
}

// stop marks the end of a storm: later lines carry no time.
func (c *stormClock) stop() {
	c.mu.Lock()
	c.start = time.Time{}
	c.mu.Unlock()
}

// prefix is the storm clock in the form of the progress lines
// (reports.Progress: "[storm+  12.3s]") during a storm, and "" outside one.
func (c *stormClock) prefix() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.start.IsZero() {
		return ""
	}
	return fmt.Sprintf("[storm+%6.1fs] ", time.Since(c.start).Seconds())
}

// logf writes one human line to stderr, stamped with the storm clock while
// a storm runs. It is what the harness gets as Options.Logf.
func (a *app) logf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "%s%s\n", a.clock.prefix(), fmt.Sprintf(format, args...))
}

// progress starts the live display of one scenario's storm
// (reports.Progress: one clock, labelled counts, the drain's accepted, done,
// pending and queue depth) and returns the function for
// harness.Options.Live and the one that ends the display. mode is auto (a
// bar on a terminal, plain lines elsewhere), tty, plain or none; CI=true
// always means plain lines, so CI logs stay readable.
func (a *app) progress(mode string, sc *scenarios.Scenario) (live func(string, reports.Live), stop func()) {
	if mode == "none" {
		return func(_ string, l reports.Live) { a.clock.tick(l.Elapsed) }, a.clock.stop
	}
	p := reports.NewProgress(a.stderr, a.useBar(mode), int64(sc.Callers.Count))
	return func(_ string, l reports.Live) {
			a.clock.tick(l.Elapsed)
			p.Update(l)
		}, func() {
			p.Close()
			a.clock.stop()
		}
}

// useBar reports whether the progress is a live bar (a terminal) rather
// than plain lines.
func (a *app) useBar(mode string) bool {
	if mode == "plain" || os.Getenv("CI") == "true" {
		return false
	}
	if mode == "tty" {
		return true
	}
	file, ok := a.stderr.(interface{ Fd() uintptr }) // an *os.File, or the quietPipe around one
	return ok && term.IsTerminal(int(file.Fd()))
}
