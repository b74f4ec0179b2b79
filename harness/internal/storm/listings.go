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

// listConcurrency bounds the listing requests in flight after the drain.
const listConcurrency = 32

// verifyListings asks the SUT for each accepted caller's uploads (when the
// API has a listing): more than one upload of the same data is a duplicate;
// a done upload listed as not done is unfinished, and one not listed at all
// vanished.
func (e *engine) verifyListings() {
	if e.sc.API.List == nil || e.periodic != nil {
		return // a periodic caller's listing holds all its uploads: not compared
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range listConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				n, unfinished, ok := e.list(c)
				if !ok {
					continue
				}
				e.mu.Lock()
				st := e.flightOf(c).acc // an accepted caller keeps its flight
				st.listed = int32(n)
				switch {
				case st.async != reports.StateDone:
				case n == 0:
					st.async = reports.StateVanished // done, then no longer listed
				case unfinished:
					st.async = reports.StateUnfinished
				}
				e.mu.Unlock()
			}
		}()
	}
	for c := range e.callers {
		e.mu.Lock()
		tracked := e.callers[c].state == stateAccepted && e.flightOf(c).acc.async != reports.StateNone
		e.mu.Unlock()
		if tracked {
			jobs <- c
		}
	}
	close(jobs)
	wg.Wait()
}

// list reads caller c's listing (api.list, with its headers): how many
// uploads it holds and whether any is not terminal. ok is false when the
// listing could not be read.
func (e *engine) list(c int) (n int, unfinished, ok bool) {
	ctx, cancel := context.WithTimeout(e.runCtx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.target+e.req.ListPath(c), nil)
	if err != nil {
		return 0, false, false
	}
	req.Header = e.req.ListHeader(c)
	resp, err := e.http.RoundTrip(req)
	if err != nil {
		return 0, false, false
	}
	defer resp.Body.Close()
	var doc struct {
		Uploads []map[string]any `json:"uploads"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&doc) != nil {
		return 0, false, false
	}
	for _, up := range doc.Uploads {
		s, _ := up[e.sc.API.StatusField].(string)
		terminal := false
		for _, d := range append(append([]string{}, e.sc.API.Done...), e.sc.API.Failed...) {
			terminal = terminal || s == d
		}
		unfinished = unfinished || !terminal
	}
	return len(doc.Uploads), unfinished, true
}
