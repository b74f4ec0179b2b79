package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// deployOutcome is what the team's deploy command did.
type deployOutcome struct {
	command  string
	exitCode int
	took     time.Duration // the command alone
	ready    time.Duration // from its exit until the service answered
	tail     string        // its last lines, for a failure
	err      error         // it could not run, timed out, or the service never answered
}

// deployLog is the command's output file in the run's logs/.
const deployLog = "upgrade-command.log"

// deployCommand returns the argv of the upgrade's command: upgrade.command
// as given (no shell), or /bin/sh -c upgrade.shell.
func deployCommand(up *scenarios.Upgrade) []string {
	if up.Shell != "" {
		return []string{"/bin/sh", "-c", up.Shell}
	}
	return up.Command
}

// checkDeploy fails before anything starts when the deploy or the reset
// command cannot be run: not found, or not executable. A relative program
// with a slash is the file beside the scenario (scenarios.Program).
func checkDeploy(sc *scenarios.Scenario) error {
	var errs []error
	if up := sc.Upgrade; up != nil && len(up.Command) > 0 {
		if err := sc.CheckProgram(up.Command[0]); err != nil {
			errs = append(errs, fmt.Errorf("%w: upgrade.command: %w", scenarios.ErrInvalid, err))
		}
	}
	if r := sc.SUT.Reset; r != nil && len(r.Command) > 0 {
		if err := sc.CheckProgram(r.Command[0]); err != nil {
			errs = append(errs, fmt.Errorf("%w: sut.reset.command: %w", scenarios.ErrInvalid, err))
		}
	}
	return errors.Join(errs...)
}

// commandRun is one run of a team's command (deploy or reset).
type commandRun struct {
	exitCode int
	took     time.Duration
	tail     string // its last lines
	err      error
}

// runCommand runs argv from the scenario's folder within timeout, its
// program resolved as scenarios.Program does, its output appended to
// logs/<log>, its environment carrying REHEARSE_TARGET and REHEARSE_RUN.
func (r *rehearsal) runCommand(ctx context.Context, argv []string, log, target string, timeout time.Duration) commandRun {
	out := commandRun{exitCode: -1}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	f, err := os.OpenFile(filepath.Join(r.dir, "logs", log), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		out.err = fmt.Errorf("open %s: %w", log, err)
		return out
	}
	defer f.Close()
	var tail bytes.Buffer
	cmd := exec.CommandContext(ctx, r.sc.Program(argv[0]), argv[1:]...)
	cmd.Dir = scenarioDir(r.sc)
	cmd.Env = append(os.Environ(), "REHEARSE_TARGET="+target, "REHEARSE_RUN="+r.opts.RunID)
	cmd.Stdout = io.MultiWriter(f, &tail)
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	out.took = time.Since(start)
	out.tail = lastLines(tail.String(), 10)
	name := strings.Join(argv, " ")
	var exit *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		out.err = fmt.Errorf("command %q did not end within %s", name, timeout)
	case errors.As(err, &exit):
		out.exitCode = exit.ExitCode()
		out.err = fmt.Errorf("command %q exited with %d", name, out.exitCode)
	case err != nil:
		out.err = fmt.Errorf("command %q: %w", name, err)
	default:
		out.exitCode = 0
	}
	return out
}

// runDeploy runs the deploy command (logs/upgrade-command.log) within
// upgrade.timeout, then waits until the service answers (waitReady): a
// command that returns before the new version listens, as `docker
// compose up -d` does, does not end the cutover.
func (r *rehearsal) runDeploy(ctx context.Context, dep *sutrun.Deployment) deployOutcome {
	up := r.sc.Upgrade
	argv := deployCommand(up)
	cr := r.runCommand(ctx, argv, deployLog, dep.Target(), up.Timeout.D())
	out := deployOutcome{command: strings.Join(argv, " "), exitCode: cr.exitCode, took: cr.took, tail: cr.tail, err: cr.err}
	if out.err != nil {
		out.err = fmt.Errorf("upgrade %w", out.err)
		return out
	}
	start := time.Now()
	if err := r.waitReady(ctx, dep); err != nil {
		out.err = fmt.Errorf("after the upgrade command exited: %w", err)
	}
	out.ready = time.Since(start)
	return out
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
