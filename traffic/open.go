package traffic

import (
	"cmp"
	"errors"
	"io"
	"os"
	"slices"
)

// Trace is a whole trace in memory, for a replay: about 60 bytes an
// upload (a million uploads: about 60 MB), method and path strings shared.
type Trace struct {
	header  Header
	callers []CallerTrace
}

// Open reads the trace file at path whole. Errors match ErrInput: a file
// that cannot be read, is not a trace, is cut short, or a *VersionError.
func Open(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputf("open trace: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only: a failed close loses nothing
	return Read(f, path)
}

// Read reads a whole trace from r, named name in errors (see Open).
func Read(r io.Reader, name string) (*Trace, error) {
	tr, err := NewReader(r, name)
	if err != nil {
		return nil, err
	}
	t := &Trace{header: tr.Header(), callers: make([]CallerTrace, 0, tr.Header().Callers)}
	for {
		c, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errors.Join(err, tr.Close())
		}
		t.callers = append(t.callers, c)
	}
	if err := tr.Close(); err != nil {
		return nil, inputf("trace %s: %w", name, err)
	}
	slices.SortStableFunc(t.callers, func(a, b CallerTrace) int {
		return cmp.Or(cmp.Compare(firstOffset(a), firstOffset(b)), cmp.Compare(a.Name, b.Name))
	})
	return t, nil
}

func firstOffset(c CallerTrace) int64 {
	if len(c.Uploads) == 0 {
		return -1
	}
	return int64(c.Uploads[0].Offset)
}

// Header is the trace's header.
func (t *Trace) Header() Header { return t.header }

// Callers are the trace's callers, ordered by their first upload's offset
// (ties by name), each with its uploads in arrival order. The slice is
// the trace's own: do not modify it.
func (t *Trace) Callers() []CallerTrace { return t.callers }

// Uploads counts the uploads of every caller.
func (t *Trace) Uploads() int64 { return t.header.Uploads }
