package storm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// startTracking starts the pollers of accepted uploads and the drain
// progress; wait returns once tracking is over (after e.trk.close, or
// when the run stops). A storm that follows no 202 tracks nothing.
func (e *engine) startTracking() (wait func()) {
	if e.trk == nil {
		return func() {}
	}
	jobs := make(chan item)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		for {
			it, ok := e.trk.next(e.start)
			if !ok {
				return
			}
			select {
			case jobs <- it:
			case <-e.trk.ctx.Done():
				return
			}
		}
	}()
	for range min(e.opts.Pollers, max(e.waiting, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				e.pollOnce(it)
			}
		}()
	}
	quit, progressed := make(chan struct{}), make(chan struct{})
	go func() { defer close(progressed); e.trk.progress(e.opts.Aggregator, quit) }()
	return func() {
		wg.Wait()
		close(quit)
		<-progressed
	}
}

// pollOnce asks once for the status of the upload it names; a terminal
// answer ends its tracking, any other sends it back to wait.
func (e *engine) pollOnce(it item) {
	e.mu.Lock()
	loc := e.callers[it.caller].location
	e.mu.Unlock()
	state := e.pollState(loc)
	now := time.Since(e.start)
	if state != reports.StateNone {
		e.mu.Lock()
		c := &e.callers[it.caller]
		c.async = state
		if state == reports.StateDone || state == reports.StateFailed {
			c.completed, c.completion = now, now-c.first
		}
		how := c.end()
		e.mu.Unlock()
		e.opts.Aggregator.CallerFinished(how)
	}
	e.trk.back(it, state != reports.StateNone, now)
}

// followable reports whether a 202's Location can be polled: on the
// target's own host (load goes nowhere else). One that cannot is counted
// as untracked, its fate unknown — never as lost, which would claim a loss
// nobody saw.
func (e *engine) followable(loc string) bool {
	u, err := e.base.Parse(loc)
	return err == nil && u.Host == e.base.Host
}

// pollState is the upload's state at loc: done or failed when its status
// says so, StateNone while it is not terminal or could not be read, and
// lost for a Location that cannot be followed.
func (e *engine) pollState(loc string) reports.AsyncState {
	u, err := e.base.Parse(loc)
	if err != nil || u.Host != e.base.Host {
		return reports.StateLost // never follow a Location to another host
	}
	status, ok := e.status(u.String())
	if !ok {
		return reports.StateNone
	}
	for _, d := range e.sc.API.Done {
		if status == d {
			return reports.StateDone
		}
	}
	for _, f := range e.sc.API.Failed {
		if status == f {
			return reports.StateFailed
		}
	}
	return reports.StateNone
}

// status reads the status field of the upload at u; ok is false when it
// could not be read.
func (e *engine) status(u string) (string, bool) {
	ctx, cancel := context.WithTimeout(e.trk.ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := e.http.RoundTrip(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", false
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 1<<20))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return "", false
	}
	s, ok := e.statusField.Value(doc)
	return s, ok && s != ""
}

// drain follows the tracked uploads once the storm is over, until each
// ended, drain_timeout ran out or the run stopped, then settles the rest:
// lost when the drain timeout ran out, pending when the run stopped first
// (an interrupted run says nothing about uploads it did not wait for).
func (e *engine) drain(wait func()) {
	if e.trk == nil {
		return
	}
	if e.runCtx.Err() == nil && e.trk.accepted.Load() > e.trk.ended.Load() {
		// Every caller is done; only accepted uploads are still followed.
		e.opts.Aggregator.SetPhase(reports.PhaseDrain)
	}
	stop := e.trk.close(e.sc.Run.DrainTimeout.D())
	wait()
	stop()
	left := reports.StatePending
	if e.trk.ranOut.Load() {
		left = reports.StateLost
	}
	e.trk.cancel()
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.callers {
		if c := &e.callers[i]; c.state == stateAccepted && c.async == reports.StateNone {
			c.async = left
		}
	}
}
