package scenarios

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every error about a scenario's
// content or its file, so the CLI can map them to exit code 2.
var ErrInvalid = errors.New("invalid scenario")

// FieldError is one problem in a scenario file, at a line and column. It is
// exported so a caller can read the position with errors.As; Error renders
// it as "file:line:column: path: message".
type FieldError struct {
	File   string
	Line   int // 0 when the position is unknown
	Column int
	Path   string // e.g. callers.retry.attempts; "" for syntax errors
	Msg    string
}

// Error renders the problem as "file:line:column: path: message", leaving out
// the position when it is unknown and the path when it is empty.
func (e *FieldError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	if e.Path != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }
