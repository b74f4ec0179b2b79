// Command rehearse rehearses an upgrade: it starts the service under test in
// containers, replays thousands of callers' re-upload storms against it,
// watches it for crashes and lost work, and writes reports that people read
// and CI gates on. Run `rehearse --help`.
//
// Exit codes: 0 all gates pass, 1 a gate failed or a regression was found,
// 2 usage or scenario error, 3 environment error (Docker unreachable, image
// build failed, target unreachable), 130 interrupted (partial report written).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/storm"
	"github.com/rehearse-dev/rehearse/harness/sutrun"
	"github.com/rehearse-dev/rehearse/scenarios"
)

var version = "dev"

// Exit codes of DESIGN.md §4.1.
const (
	exitOK          = 0
	exitFail        = 1
	exitUsage       = 2
	exitEnv         = 3
	exitInterrupted = 130
)

// exitError carries an exit code to main; the message is printed once.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	// A closed stderr pipe (rehearse run | head) must not kill the process
	// before it removes its containers: writes fail with EPIPE instead.
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	app := newApp(os.Stdout, os.Stderr)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\nrehearse: interrupted: stopping the storm, writing the partial report (interrupt again to clean up and exit now)")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "rehearse: interrupted twice: removing this run's containers and exiting")
		app.emergencyCleanup()
		os.Exit(exitInterrupted)
	}()
	code := app.execute(ctx, os.Args[1:])
	cancel()
	os.Exit(code)
}

// exitCode maps an error to the exit codes of DESIGN.md §4.1.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, harness.ErrInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, scenarios.ErrInvalid), errors.Is(err, storm.ErrRemoteTarget):
		return exitUsage
	case errors.Is(err, sutrun.ErrDockerUnavailable), errors.Is(err, storm.ErrUnreachable):
		return exitEnv
	default:
		return exitEnv
	}
}

// logger writes human lines to stderr with the elapsed time.
func logger(w io.Writer) func(string, ...any) {
	t0 := time.Now()
	return func(format string, args ...any) {
		fmt.Fprintf(w, "[%6.1fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, args...))
	}
}
