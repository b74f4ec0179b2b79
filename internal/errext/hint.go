package errext

// HasHint is an error that carries advice for the user: what to do about
// it, as opposed to what went wrong, which stays the message.
type HasHint interface {
	error
	Hint() string
}

// WithHint attaches hint to err without changing err's message or chain.
// A nil err or an empty hint returns err unchanged.
func WithHint(err error, hint string) error {
	if err == nil || hint == "" {
		return err
	}
	return withHint{err, hint}
}

// Hints returns every hint carried by err and the errors it wraps, the
// outermost (most general) first, each once, walking errors.Join branches
// too. It returns nil when there is none.
func Hints(err error) []string {
	var hints []string
	seen := map[string]bool{}
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if wh, ok := e.(HasHint); ok && !seen[wh.Hint()] {
			seen[wh.Hint()] = true
			hints = append(hints, wh.Hint())
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return hints
}

// withHint keeps err's message and chain intact; it only adds the hint.
type withHint struct {
	error
	hint string
}

func (e withHint) Unwrap() error { return e.error }
func (e withHint) Hint() string  { return e.hint }

var _ HasHint = withHint{}
