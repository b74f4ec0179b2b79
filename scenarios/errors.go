package scenarios

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every error about a scenario's
// content or its file, so the CLI can map them to exit code 2.
var ErrInvalid = errors.New("invalid scenario")

// FieldError is one problem in a scenario file, at a line and column. It is
// exported so a caller can read the position with errors.As; Error renders
// it as "file:line:column: path: message; hint".
type FieldError struct {
	File   string
	Line   int // 0 when the position is unknown
	Column int
	Path   string // e.g. callers.retry.attempts; "" for syntax errors
	Msg    string // what is wrong
	// Hint is advice beside the message, such as `did you mean "retry"?`;
	// "" when there is none. It belongs to this position, so Error prints
	// it on the same line.
	Hint string
	// meant is the path of the key an unknown key is a typo of ("" when
	// none is near): a value error there comes from the typo.
	meant string
}

// Error renders the problem as "file:line:column: path: message; hint",
// leaving out the position when it is unknown, the path when it is empty
// and the hint when there is none.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	b.WriteString(": " + e.Msg)
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }
