package errext

import "errors"

// ExitCode is the process exit code an error stands for (README: "Commands").
type ExitCode int

// The exit codes of the rehearse CLI (README: "Commands").
const (
	// OK: every gate passed, or the command did what was asked.
	OK ExitCode = 0
	// Failed: a gate failed, or compare found a significant regression.
	Failed ExitCode = 1
	// Usage: a usage or scenario error; nothing was started.
	Usage ExitCode = 2
	// Environment: Docker unreachable, an image build failed, the target is
	// unreachable, or the load generator itself failed.
	Environment ExitCode = 3
	// Interrupted: SIGINT or SIGTERM; the partial report has been written.
	Interrupted ExitCode = 130
)

// HasExitCode is an error that names the exit code it stands for.
type HasExitCode interface {
	error
	ExitCode() ExitCode
}

// WithExitCodeIfNone attaches code to err unless err (or an error it wraps)
// already carries one: the code attached closest to the cause wins, so a
// caller can mark a whole class of errors without overriding a more precise
// code set below it. A nil err stays nil.
func WithExitCodeIfNone(err error, code ExitCode) error {
	if err == nil {
		return nil
	}
	if _, ok := Code(err); ok {
		return err
	}
	return withExitCode{err, code}
}

// Code returns the exit code carried by err or by any error it wraps
// (errors.As order: depth first, including errors.Join branches); ok is
// false when none carries one, or err is nil.
func Code(err error) (code ExitCode, ok bool) {
	var ec HasExitCode
	if errors.As(err, &ec) {
		return ec.ExitCode(), true
	}
	return 0, false
}

// withExitCode keeps err's message and chain intact; it only adds the code.
type withExitCode struct {
	error
	code ExitCode
}

func (e withExitCode) Unwrap() error      { return e.error }
func (e withExitCode) ExitCode() ExitCode { return e.code }

var _ HasExitCode = withExitCode{}
