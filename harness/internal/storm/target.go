package storm

import (
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// attemptID names one attempt: a caller and its try number (1 = first).
// It travels in the request URL's fragment ("#42.2"): vegeta's Result
// carries the URL back to absorb, the fragment is never sent on the wire,
// and so the id needs no side channel through vegeta.
type attemptID struct {
	caller int
	try    int32
}

func (id attemptID) fragment() string {
	return strconv.Itoa(id.caller) + "." + strconv.Itoa(int(id.try))
}

// parseFragment reads the attempt id from a URL ending in "#caller.try".
func parseFragment(raw string) (attemptID, bool) {
	_, frag, found := strings.Cut(raw, "#")
	if !found {
		return attemptID{}, false
	}
	c, t, found := strings.Cut(frag, ".")
	ci, err1 := strconv.Atoi(c)
	ti, err2 := strconv.Atoi(t)
	return attemptID{caller: ci, try: int32(ti)}, found && err1 == nil && err2 == nil
}

// targeter is the vegeta.Targeter of the storm: it takes the attempt Pace
// made due and names it. The body and headers are the transport's.
func (e *engine) targeter(t *vegeta.Target) error {
	it := <-e.ready
	t.Method = e.req.Method()
	t.URL = e.target + e.req.Path(it.caller, it.try) + "#" + it.id().fragment()
	t.Body, t.Header = nil, nil
	return nil
}
