// Command rehearse rehearses an upgrade: it starts the service under test in
// containers, replays thousands of callers' re-upload storms against it,
// watches it for crashes and lost work, and writes reports that people read
// and CI gates on. Run `rehearse --help`.
//
// Exit codes: 0 all gates pass, 1 a gate failed or a regression was found,
// 2 usage or scenario error, 3 environment error (Docker unreachable, image
// build failed, target unreachable), 130 interrupted (partial report written).
//
// One file per command (run.go, attack.go, compare.go, report.go,
// validate.go, list.go, sweep.go, images.go, version.go); root.go holds the
// root command and the flags run and attack share, exitcode.go turns errors
// into exit codes, target.go checks --target, progress.go draws the storm.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/rehearse-dev/rehearse/harness"
)

// version is stamped at link time: -ldflags '-X main.version=v1.2.3' (make build).
var version = "dev"

func main() {
	if filepath.Base(os.Args[0]) == harness.UploadsvcName {
		os.Exit(uploadsvc())
	}
	harness.ServeFromSelf()
	// A closed stderr pipe (rehearse run | head) must not kill the process
	// before it removes its containers: writes fail with EPIPE instead.
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	// Registered before anything runs, so no early Ctrl-C takes the default
	// (immediate) exit.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	app := newApp(newQuietPipe(os.Stdout), newQuietPipe(os.Stderr)) // a reader that left ends nothing (pipe.go)
	go interrupts(sigs, app, cancel)
	code := app.execute(ctx, os.Args[1:])
	cancel()
	os.Exit(code)
}

// interrupts turns the first SIGINT/SIGTERM into a graceful stop (the storm
// ends, the partial report is written, exit 130) and the second into an
// immediate exit that still removes this run's containers: a user who
// presses Ctrl-C twice wants out now, but not at the price of leftovers.
func interrupts(sigs <-chan os.Signal, app *app, cancel context.CancelFunc) {
	<-sigs
	fmt.Fprintln(os.Stderr, "\nrehearse: interrupted: stopping the storm, writing the partial report (interrupt again to clean up and exit now)")
	cancel()
	<-sigs
	fmt.Fprintln(os.Stderr, "rehearse: interrupted twice: removing this run's containers and exiting")
	app.emergencyCleanup()
	os.Exit(exitInterrupted)
}

// uploadsvc is this executable as the reference service: the reference
// image holds it as /uploadsvc, so rehearse needs no Go toolchain or source
// tree to build that image. SIGTERM or SIGINT stops it gracefully.
func uploadsvc() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := harness.ServeUploadsvc(ctx, version, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "uploadsvc:", err)
		return 2
	}
	return 0
}
