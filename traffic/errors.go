package traffic

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUsage is matched (errors.Is) by every error about the options
// themselves: an unknown format, a caller rule or filter that cannot be
// read, a mapping the format cannot use.
var ErrUsage = errors.New("bad import options")

// ErrInput is matched by every error about the logs or a trace being read:
// a file that cannot be opened or decompressed, too many bad lines, no
// caller, a trace of another version or cut short.
var ErrInput = errors.New("bad input")

// BadLine is a log line that did not parse.
type BadLine struct {
	File string
	Line int64 // 1-based
	Err  error
}

func (b BadLine) String() string { return fmt.Sprintf("%s:%d: %v", b.File, b.Line, b.Err) }

// BadLinesError is returned when more lines than the limit did not parse;
// nothing is written then. It matches ErrInput.
type BadLinesError struct {
	Bad, Lines int64
	Max        float64 // the limit, a fraction of Lines
	First      []BadLine
}

func (e *BadLinesError) Error() string {
	return fmt.Sprintf("%d of %d lines (%.2f%%) did not parse, more than --max-bad %g%%; first: %s",
		e.Bad, e.Lines, 100*float64(e.Bad)/float64(max(e.Lines, 1)), 100*e.Max, e.First[0])
}

// Is makes a BadLinesError match ErrInput.
func (e *BadLinesError) Is(target error) bool { return target == ErrInput }

// NoCallerError is returned when no line has a caller under the rule.
// Suggestions are other rules, each with how many lines it would name a
// caller on, best first. It matches ErrInput.
type NoCallerError struct {
	Rule        string
	Lines       int64 // lines that parsed
	Suggestions []string
}

func (e *NoCallerError) Error() string {
	return fmt.Sprintf("none of the %d lines has a caller under --caller %s", e.Lines, e.Rule)
}

// Is makes a NoCallerError match ErrInput.
func (e *NoCallerError) Is(target error) bool { return target == ErrInput }

// Hint is the advice to print beside the error: the other rules to try.
func (e *NoCallerError) Hint() string {
	if len(e.Suggestions) == 0 {
		return "try --caller path:REGEX (a capture group around the caller), header:NAME, field:NAME or ip"
	}
	return "try " + strings.Join(e.Suggestions, "; ")
}

// VersionError is returned when a trace is of a version this package
// does not read. It matches ErrInput.
type VersionError struct {
	File      string
	Got, Want int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("trace %s is version %d, this rehearse reads version %d", e.File, e.Got, e.Want)
}

// Is makes a VersionError match ErrInput.
func (e *VersionError) Is(target error) bool { return target == ErrInput }

// kindError is an error of a kind (ErrUsage, ErrInput) whose message is
// its own: the kind is matched with errors.Is, not printed.
type kindError struct {
	err  error
	kind error
}

func (e *kindError) Error() string        { return e.err.Error() }
func (e *kindError) Unwrap() error        { return e.err }
func (e *kindError) Is(target error) bool { return target == e.kind }

// usagef is an ErrUsage error; format may wrap with %w.
func usagef(format string, args ...any) error {
	return &kindError{err: fmt.Errorf(format, args...), kind: ErrUsage}
}

// inputf is an ErrInput error; format may wrap with %w.
func inputf(format string, args ...any) error {
	return &kindError{err: fmt.Errorf(format, args...), kind: ErrInput}
}
