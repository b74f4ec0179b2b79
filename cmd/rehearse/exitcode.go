package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Exit codes as the README documents them, as the ints os.Exit and the tests compare.
const (
	exitOK          = int(errext.OK)
	exitFail        = int(errext.Failed)
	exitUsage       = int(errext.Usage)
	exitEnv         = int(errext.Environment)
	exitInterrupted = int(errext.Interrupted)
)

// errSilent stands for an outcome already explained on stderr (a failed
// gate is in the verdict table just printed); only its exit code is left to
// give.
var errSilent = errors.New("see above")

// exitCode is the one place where errors the libraries return become exit
// codes: a code attached on the way up (errext.WithExitCodeIfNone) wins;
// otherwise the sentinels of harness and scenarios decide, and anything
// unknown is an environment error (3), never a pass.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if code, ok := errext.Code(err); ok {
		return int(code)
	}
	switch {
	case errors.Is(err, harness.ErrInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, scenarios.ErrInvalid), errors.Is(err, harness.ErrRemoteTarget), errors.Is(err, distribute.ErrMergeInput):
		return exitUsage
	case errors.Is(err, harness.ErrDockerUnavailable), errors.Is(err, harness.ErrUnreachable):
		return exitEnv
	default:
		return exitEnv
	}
}

// usage marks err as a usage error (exit 2), unless it already carries a
// code. The message gains the subcommand's name (cobra's own messages lack
// it) and a hint gives the command's usage line: the reader sees what was
// wrong and how the command is written.
func usage(cmd *cobra.Command, err error) error {
	if _, ok := errext.Code(err); ok || err == nil {
		return err
	}
	hint := fmt.Sprintf("see `%s --help` for the commands", cmd.CommandPath())
	if cmd.HasParent() {
		err = fmt.Errorf("%s: %w", cmd.Name(), err)
		hint = fmt.Sprintf("usage: %s (see `%s --help`)", cmd.UseLine(), cmd.CommandPath())
	}
	return errext.WithExitCodeIfNone(errext.WithHint(err, hint), errext.Usage)
}

// usageErrors routes every error cobra raises about the command line itself
// through usage, by the hooks cobra offers rather than by reading its
// messages: flag errors via SetFlagErrorFunc (inherited by subcommands),
// positional-argument errors by wrapping each command's Args validator, and
// unknown commands via the root's own Args. Call it after adding every
// subcommand.
func usageErrors(root *cobra.Command) {
	root.SetFlagErrorFunc(usage)
	root.Args = unknownCommand
	var wrap func(*cobra.Command)
	wrap = func(c *cobra.Command) {
		if v := c.Args; v != nil {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := v(cmd, args); err != nil {
					return usage(cmd, err)
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			wrap(sub)
		}
	}
	wrap(root)
}

// unknownCommand is the root's argument check: the root takes no arguments,
// so any argument is a subcommand cobra did not find. (Left nil, cobra would
// report it as a plain error indistinguishable from others but by its text.)
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	err := usage(cmd, fmt.Errorf("unknown command %q", args[0]))
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		err = errext.WithHint(err, "did you mean "+strings.Join(s, " or ")+"?")
	}
	return err
}

// printError writes err for a person: the message once, then each hint on
// its own line. errSilent prints nothing: its story is already on stderr.
func printError(w io.Writer, err error) {
	if err == nil || errors.Is(err, errSilent) {
		return
	}
	fmt.Fprintf(w, "rehearse: %v\n", err)
	for _, h := range errext.Hints(err) {
		fmt.Fprintf(w, "hint: %s\n", h)
	}
}
