package storm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// Poll backoff: the first status poll comes pollFirst after the 202, each
// later one waits twice as long, up to pollMax.
const (
	pollFirst = 100 * time.Millisecond
	pollMax   = 2 * time.Second
)

// poller follows accepted uploads' Location until a terminal status.
func (e *engine) poller() {
	for caller := range e.polls {
		e.mu.Lock()
		loc := e.callers[caller].location
		e.mu.Unlock()
		state := e.poll(loc)
		now := time.Since(e.start)
		e.mu.Lock()
		st := &e.callers[caller]
		st.async = state
		if state == reports.StateDone || state == reports.StateFailed {
			st.completed = now
			st.completion = now - st.first
		}
		e.mu.Unlock()
		e.opts.Aggregator.CallerFinished()
	}
}

func (e *engine) expired() bool {
	if e.runCtx.Err() != nil {
		return true
	}
	by := e.drainBy.Load()
	return by != 0 && time.Now().UnixNano() > by
}

// poll returns done, failed or lost.
func (e *engine) poll(loc string) reports.AsyncState {
	u, err := e.base.Parse(loc)
	if err != nil || u.Host != e.base.Host {
		return reports.StateLost // never follow a Location to another host
	}
	wait := pollFirst
	for !e.expired() {
		if status, ok := e.status(u.String()); ok {
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
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-e.runCtx.Done():
			t.Stop()
		}
		wait = min(wait*2, pollMax)
	}
	return reports.StateLost
}

func (e *engine) status(u string) (string, bool) {
	ctx, cancel := context.WithTimeout(e.runCtx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := e.tr.inner.RoundTrip(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", false
	}
	var doc map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", false
	}
	s, _ := doc[e.sc.API.StatusField].(string)
	return s, s != ""
}
