package traffic

// retries finds, within one caller's uploads in arrival order, those that
// look like a retry of a failed one (docs/import.md, "Retries"): the same
// method, path and logged size, within the window after an upload that
// got a 4xx, a 5xx or no answer. The size is what tells a retry from the
// caller's next, unrelated upload to the same endpoint — without it, a
// caller that uploads every few seconds had each upload after a 503 taken
// for its retry (1.2% of a 1.5M-line log with no retries at all). So an
// upload whose line logged no size (or only an assumed one) is never
// matched, and never waits for a retry either.
//
// Every failure waits for its own retry: an unrelated upload between a
// failure and its retry does not hide the retry, and a retry answers one
// failure only (a retry that fails too waits for the next).
type retries struct {
	window  int64 // ns
	pending []pendingFailure
}

// pendingFailure is a failed upload still within the window.
type pendingFailure struct {
	t      int64
	bytes  int64
	method []byte
	path   []byte
}

// maxPending bounds the failures a caller has waiting: a caller failing
// on every upload would otherwise grow the list with its uploads.
const maxPending = 64

// reset starts a new caller.
func (d *retries) reset() { d.pending = d.pending[:0] }

// observe takes the caller's next upload and reports whether it is a
// retry of a pending failure. Method and path must stay valid until the
// caller is done (they are views of the spill bucket).
func (d *retries) observe(t int64, status int, sized bool, bytes int64, method, path []byte) bool {
	live := d.pending[:0]
	for _, f := range d.pending {
		if t-f.t <= d.window {
			live = append(live, f)
		}
	}
	d.pending = live
	if !sized {
		return false
	}
	retry := false
	for i, f := range d.pending {
		if f.bytes == bytes && string(f.method) == string(method) && string(f.path) == string(path) {
			d.pending = append(d.pending[:i], d.pending[i+1:]...)
			retry = true
			break
		}
	}
	if failed(status) {
		if len(d.pending) == maxPending {
			d.pending = append(d.pending[:0], d.pending[1:]...)
		}
		d.pending = append(d.pending, pendingFailure{t: t, bytes: bytes, method: method, path: path})
	}
	return retry
}
