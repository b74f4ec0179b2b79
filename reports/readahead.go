package reports

import "io"

// readAhead reads src on a goroutine of its own, a few buffers ahead of
// its reader: a compressed log is then decompressed on one core while the
// lines it already gave are parsed on another (a 5 M-attempt log: about
// half the time of doing both in turn, docs/attempts.md).
type readAhead struct {
	full   chan []byte // filled buffers, closed after the last with err set
	free   chan []byte // buffers the reader is done with
	done   chan struct{}
	exited chan struct{}
	err    error  // why src ended; read only after full is closed
	cur    []byte // what is left of the buffer being read
	held   []byte // that buffer, whole, to give back
}

// newReadAhead starts reading src into n buffers of size bytes. Close it
// before src is closed.
func newReadAhead(src io.Reader, n, size int) *readAhead {
	r := &readAhead{full: make(chan []byte, n), free: make(chan []byte, n), done: make(chan struct{}), exited: make(chan struct{})}
	for range n {
		r.free <- make([]byte, size)
	}
	go r.fill(src)
	return r
}

// fill reads src into free buffers and hands them over, until src ends
// (its error kept, io.EOF at the end) or the reader closes.
func (r *readAhead) fill(src io.Reader) {
	defer close(r.exited)
	defer close(r.full)
	for {
		var buf []byte
		select {
		case buf = <-r.free:
		case <-r.done:
			return
		}
		n, err := 0, error(nil)
		for n < len(buf) && err == nil {
			var k int
			k, err = src.Read(buf[n:])
			n += k
		}
		if n > 0 {
			select {
			case r.full <- buf[:n]:
			case <-r.done:
				return
			}
		}
		if err != nil {
			r.err = err
			return
		}
	}
}

// Read gives what the goroutine read, in order, then src's own error.
func (r *readAhead) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.held != nil {
			r.free <- r.held[:cap(r.held)] // never blocks: free holds every buffer
			r.held = nil
		}
		buf, ok := <-r.full
		if !ok {
			return 0, r.err
		}
		r.cur, r.held = buf, buf
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close stops the goroutine and waits for it: src is not read after.
func (r *readAhead) Close() {
	close(r.done)
	<-r.exited
}
