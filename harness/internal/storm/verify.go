package storm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// listConcurrency bounds the listing requests in flight after the drain.
const listConcurrency = 32

// verifyListings asks the SUT for each accepted caller's uploads (when the
// API has a listing): more than one upload of the same data is a duplicate,
// and an upload listed but never done, or a 202 whose upload is not listed,
// is lost.
func (e *engine) verifyListings() {
	if e.sc.API.List == "" {
		return
	}
	_, path, _ := strings.Cut(e.sc.API.List, " ")
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range listConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				u := e.base.String() + strings.ReplaceAll(path, "{caller}", url.PathEscape(e.pop.Caller(c).Name))
				n, unfinished, ok := e.list(u)
				if !ok {
					continue
				}
				e.mu.Lock()
				st := &e.callers[c]
				st.listed = int32(n)
				if (unfinished || n == 0) && st.async == reports.StateDone {
					st.async = reports.StateLost
				}
				e.mu.Unlock()
			}
		}()
	}
	for c := range e.callers {
		e.mu.Lock()
		tracked := e.callers[c].state == stateAccepted && e.callers[c].async != reports.StateNone
		e.mu.Unlock()
		if tracked {
			jobs <- c
		}
	}
	close(jobs)
	wg.Wait()
}

// list reads the listing at u: how many uploads it holds and whether any
// is not terminal. ok is false when the listing could not be read.
func (e *engine) list(u string) (n int, unfinished, ok bool) {
	ctx, cancel := context.WithTimeout(e.runCtx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
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
