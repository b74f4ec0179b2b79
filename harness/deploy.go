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
	took     time.Duration
	tail     string // its last lines, for a failure
	err      error  // it could not run, timed out, or health never came back
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

// checkDeploy fails before the storm when the deploy command cannot be
// run: not found, or not executable. A relative program with a slash is
// resolved against the scenario's folder, as the command will run there.
func checkDeploy(sc *scenarios.Scenario) error {
	up := sc.Upgrade
	if up == nil || !up.Deploys() {
		return nil
	}
	prog := deployCommand(up)[0]
	if strings.Contains(prog, "/") && !filepath.IsAbs(prog) {
		prog = filepath.Join(scenarioDir(sc), prog)
	}
	if _, err := exec.LookPath(prog); err != nil {
		return fmt.Errorf("%w: upgrade command %q cannot be run: %v", scenarios.ErrInvalid, deployCommand(up)[0], err)
	}
	return nil
}

// runDeploy runs the deploy command from the scenario's folder, its output
// appended to logs/upgrade-command.log, then waits until health answers
// 2xx again (when there is a health path), all within upgrade.timeout.
// The environment carries REHEARSE_TARGET and REHEARSE_RUN.
func (r *rehearsal) runDeploy(ctx context.Context, target, health string) deployOutcome {
	up := r.sc.Upgrade
	argv := deployCommand(up)
	out := deployOutcome{command: strings.Join(argv, " "), exitCode: -1}
	ctx, cancel := context.WithTimeout(ctx, up.Timeout.D())
	defer cancel()
	f, err := os.OpenFile(filepath.Join(r.dir, "logs", deployLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		out.err = err
		return out
	}
	defer f.Close()
	var tail bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = scenarioDir(r.sc)
	cmd.Env = append(os.Environ(), "REHEARSE_TARGET="+target, "REHEARSE_RUN="+r.opts.RunID)
	cmd.Stdout = io.MultiWriter(f, &tail)
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	out.took = time.Since(start)
	out.tail = lastLines(tail.String(), 10)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		out.exitCode = exit.ExitCode()
		out.err = fmt.Errorf("upgrade command %q exited with %d", out.command, out.exitCode)
	case err != nil:
		out.err = fmt.Errorf("upgrade command %q: %w", out.command, err)
	default:
		out.exitCode = 0
	}
	if out.err == nil && health != "" {
		left := time.Until(start.Add(up.Timeout.D()))
		if err := sutrun.WaitHealthy(ctx, target+health, max(left, time.Second)); err != nil {
			out.err = fmt.Errorf("after the upgrade command, %s%s never answered 2xx: %w", target, health, err)
		}
	}
	return out
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
