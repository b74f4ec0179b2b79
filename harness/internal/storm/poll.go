package storm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
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

// pollOnce asks once for the status of the upload it names (item.caller
// is its index in engine.accs); a terminal answer ends its tracking, any
// other sends it back to wait.
func (e *engine) pollOnce(it item) {
	e.mu.Lock()
	a := e.accs[it.caller]
	caller, loc, uploadID := int(a.caller), a.location, a.uploadID
	e.mu.Unlock()
	state, code := e.pollState(caller, loc, uploadID)
	now := time.Since(e.start)
	e.mu.Lock()
	if code == http.StatusNotFound {
		a.gone = min(a.gone+1, vanishAfter)
		if a.gone == vanishAfter {
			state = reports.StateVanished
		}
	} else if code != 0 {
		a.gone = 0
	}
	if state == reports.StateNone {
		e.mu.Unlock()
		e.trk.back(it, false, now)
		return
	}
	a.async = state
	if state == reports.StateDone || state == reports.StateFailed {
		a.completed = now
		if e.periodic != nil {
			e.per[caller].completion = now - a.first
		} else {
			e.flightOf(caller).completion = now - a.first // an accepted caller keeps its flight
		}
	}
	how := e.endOf(caller)
	if e.periodic != nil {
		// One upload of a caller that goes on uploading: its end is its
		// own, the caller's comes at the run's end.
		e.accs[it.caller] = nil
		e.mu.Unlock()
		e.opts.Aggregator.AddCaller(a.outcome(e.callers[caller].class))
		e.trk.back(it, true, now)
		return
	}
	e.mu.Unlock()
	e.opts.Aggregator.CallerFinished(how)
	e.trk.back(it, true, now)
}

// vanishAfter is how many status polls in a row must answer 404 before an
// accepted upload is taken as vanished: one 404 may be a service that
// does not show a new upload at once; a few, backed off, are not.
const vanishAfter = 3

// followable reports whether a 202's Location can be polled: on the
// target's own host (load goes nowhere else). One that cannot is counted
// as untracked, its fate unknown — never as lost, which would claim a loss
// nobody saw.
func (e *engine) followable(loc string) bool {
	u, err := e.base.Parse(loc)
	return err == nil && u.Host == e.base.Host
}

// pollState is caller's upload's state at loc: done or failed when its
// status says so (api.done_when and api.failed_when, else status_field
// and the done and failed lists), StateNone while it is not terminal or
// could not be read, and unfinished for a Location that cannot be
// followed. code is the poll's HTTP status, 0 when nothing answered.
func (e *engine) pollState(caller int, loc, uploadID string) (state reports.AsyncState, code int) {
	u, err := e.base.Parse(loc)
	if err != nil || u.Host != e.base.Host {
		return reports.StateUnfinished, 0 // never follow a Location to another host
	}
	doc, code, ok := e.status(u.String(), caller, uploadID)
	if !ok {
		return reports.StateNone, code
	}
	if api := &e.sc.API; !api.DoneWhen.IsSet() && !api.FailedWhen.IsSet() {
		if s, ok := e.statusField.Value(doc); !ok || s == "" {
			e.polls.failed(code, func() string {
				return fmt.Sprintf("GET %s answered %d without %q", u.Path, code, e.statusField.String())
			})
			return reports.StateNone, code
		}
	}
	return e.decide(doc), code
}

// decide reads a status answer: the conditions when the scenario has
// them, else the status field against the done and failed lists.
func (e *engine) decide(doc any) reports.AsyncState {
	api := &e.sc.API
	status, _ := e.statusField.Value(doc)
	done := api.DoneWhen.Holds(doc) || !api.DoneWhen.IsSet() && status != "" && slices.Contains(api.Done, status)
	failed := api.FailedWhen.Holds(doc) || !api.FailedWhen.IsSet() && status != "" && slices.Contains(api.Failed, status)
	switch {
	case failed:
		return reports.StateFailed
	case done:
		return reports.StateDone
	}
	return reports.StateNone
}

// status reads the status answer of caller's upload at u, with the
// polls' headers; ok is false when it could not be read, and the poll is
// then counted by its code (polls.go).
func (e *engine) status(u string, caller int, uploadID string) (doc any, code int, ok bool) {
	e.polls.sent()
	ctx, cancel := context.WithTimeout(e.trk.ctx, 5*time.Second)
	defer cancel()
	if err := e.ensureLogin(caller, nil); err != nil { // its token may have run out since the upload
		e.polls.failed(0, func() string { return e.redact(err.Error()) })
		return nil, 0, false
	}
	used := e.sessions.of(caller)
	req, _ := http.NewRequestWithContext(ctx, e.req.StatusMethod(), u, nil)
	req.Header = e.req.StatusHeader(caller, uploadID)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "rehearse")
	}
	if c := e.jars.header(caller, req.URL); c != "" {
		req.Header.Set("Cookie", c)
	}
	resp, err := e.http.RoundTrip(req)
	if err == nil {
		e.jars.keep(caller, req.URL, resp.Header.Values("Set-Cookie"))
		if e.sessions.refuses(resp.StatusCode) {
			_ = e.ensureLogin(caller, used) // the next poll goes with the new token
		}
	}
	if err != nil {
		if e.trk.ctx.Err() == nil { // not the drain's own end
			e.polls.failed(0, func() string { return fmt.Sprintf("GET %s: %v", req.URL.Path, err) })
		}
		return nil, 0, false
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 1<<20)
	if resp.StatusCode != http.StatusOK {
		head, _ := io.ReadAll(io.LimitReader(body, 512))
		_, _ = io.Copy(io.Discard, body)
		e.polls.failed(resp.StatusCode, func() string {
			return e.redact(fmt.Sprintf("GET %s answered %d: %s", req.URL.Path, resp.StatusCode, strings.TrimSpace(string(head))))
		})
		return nil, resp.StatusCode, false
	}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		e.polls.failed(resp.StatusCode, func() string {
			return e.redact(fmt.Sprintf("GET %s answered 200, not JSON: %v", req.URL.Path, err))
		})
		return nil, resp.StatusCode, false
	}
	return doc, resp.StatusCode, true
}

// drain follows the tracked uploads once the storm is over, until each
// ended, drain_timeout ran out or the run stopped, then settles the rest:
// unfinished when the drain timeout ran out (vanished when its last polls
// answered 404), pending when the run stopped first (an interrupted run
// says nothing about uploads it did not wait for).
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
	ranOut := e.trk.ranOut.Load()
	e.trk.cancel()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.accs {
		switch {
		case a == nil || a.async != reports.StateNone:
		case !ranOut:
			a.async = reports.StatePending
		case a.gone > 0:
			a.async = reports.StateVanished // its last polls answered 404
		default:
			a.async = reports.StateUnfinished
		}
	}
}
