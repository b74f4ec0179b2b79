package storm

import (
	"net/http"
	"net/url"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// targeter makes each attempt's upload from the scenario's compiled
// templates, as vegeta's Targeter makes its requests: the URL, the
// headers and body (scenarios.Requests, rendered by the wire as it
// writes), how the body is sent, and the deadline of the caller's class.
// Nothing in it changes once the storm starts, so every attempt's
// goroutine reads it without the engine's lock.
type targeter struct {
	pop    *scenarios.Population
	base   *url.URL
	target string              // base as text, the prefix of every upload URL
	req    *scenarios.Requests // the upload's method, path, headers and body, compiled once

	timeouts  []time.Duration // per caller class: its callers.timeout
	answerCap int             // answer bytes kept to read an upload's id (completion: body)
	head      bool            // the upload is a HEAD: its answers have no body
	how       *wire.Sending   // compressed, chunked, Expect: nil for the plain body (wire/body.go)
}

// newTargeter is sc's targeter for pop's callers against base.
func newTargeter(sc *scenarios.Scenario, pop *scenarios.Population, base *url.URL, req *scenarios.Requests) targeter {
	t := targeter{pop: pop, base: base, target: base.String(), req: req,
		head: req.Method() == http.MethodHead, how: wire.NewSending(sc)}
	for _, c := range pop.Classes() {
		t.timeouts = append(t.timeouts, c.Timeout.D())
	}
	if sc.API.Completion == scenarios.CompletionBody {
		t.answerCap = maxAnswerBody
	}
	return t
}

// timeout is caller's timeout, its class's. A caller's class never
// changes.
func (t *targeter) timeout(caller int) time.Duration { return t.timeouts[t.pop.Class(caller)] }

// exchange is attempt id's upload as the wire sends it, due by its
// caller's timeout from began.
func (t *targeter) exchange(id attemptID, began time.Time) wire.Exchange {
	return wire.Exchange{Req: t.req, Caller: id.caller, Try: id.try, AnswerCap: t.answerCap, Head: t.head, How: t.how,
		Deadline: began.Add(t.timeout(id.caller))}
}

// uploadURL is attempt id's upload URL (the target's base, then the
// template's path and query).
func (t *targeter) uploadURL(id attemptID) *url.URL {
	u, err := url.Parse(t.target + t.req.Path(id.caller, id.try))
	if err != nil {
		return t.base
	}
	return u
}
