package storm

// flights are the callers' uploads in progress (caller.go) in one slab,
// reused through a free list: a storm holds as many as are in flight,
// not one per caller, and no allocation of its own each.
type flights struct {
	slab []flight
	free []int32 // indexes of slab free for the next flight
}

// openFlight gives caller i a flight that starts from t (a periodic
// caller's tally so far) when it has none, and returns its flight. Call
// it with e.mu held; a flight pointer is good until the next openFlight.
func (e *engine) openFlight(i int, t tally) *flight {
	c := &e.callers[i]
	if c.fl == 0 {
		fs := &e.fls
		if n := len(fs.free); n > 0 {
			c.fl = fs.free[n-1] + 1
			fs.free = fs.free[:n-1]
		} else {
			fs.slab = append(fs.slab, flight{})
			c.fl = int32(len(fs.slab))
		}
		fs.slab[c.fl-1] = flight{tally: t}
	}
	return &e.fls.slab[c.fl-1]
}

// flightOf is caller i's flight; nil when it has none (its upload not
// begun, or its outcome already reported). Call it with e.mu held.
func (e *engine) flightOf(i int) *flight {
	if f := e.callers[i].fl; f > 0 {
		return &e.fls.slab[f-1]
	}
	return nil
}

// closeFlight lets caller i's flight go. Call it with e.mu held.
func (e *engine) closeFlight(i int) {
	c := &e.callers[i]
	if c.fl == 0 {
		return
	}
	e.fls.slab[c.fl-1] = flight{} // drop its accepted upload for the GC
	e.fls.free = append(e.fls.free, c.fl-1)
	c.fl = 0
}
