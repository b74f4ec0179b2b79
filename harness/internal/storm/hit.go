package storm

import (
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// storm sends every attempt the pacer makes due, each on its own
// goroutine through the wire, until no caller can send again, and waits
// for the attempts in flight. vegeta's Attacker did this before: its
// workers hand every request to net/http's connection goroutines and every
// result to one consumer, which at 9,000 attempts/s on two cores put
// milliseconds of lag between a caller's intended and actual send
// (docs/performance.md, "At the machine's limit"). The pacer is still a vegeta.Pacer.
func (e *engine) storm() {
	var inflight sync.WaitGroup
	for {
		if _, stop := e.Pace(0, 0); stop {
			break
		}
		it := <-e.ready
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			e.hit(it)
		}()
	}
	inflight.Wait()
	e.ports, e.portsOK = portsInUse(e.wire.Addr())
	e.wire.CloseIdle()
	e.redirects.closeIdle()
}

// hit sends one attempt and absorbs what came of it: its caller logs in
// first when it must (login.go), then uploads in one request or in steps
// (flow.go).
func (e *engine) hit(it item) {
	n := e.inflight.Add(1)
	defer e.inflight.Add(-1)
	for peak := e.inflightPeak.Load(); n > peak && !e.inflightPeak.CompareAndSwap(peak, n); peak = e.inflightPeak.Load() {
	}
	id := it.id()
	ready := time.Now()
	if err := e.ensureLogin(id.caller, nil); err != nil {
		e.absorbLogin(id, err)
		return
	}
	var o outcome
	if e.req.Steps() > 0 {
		o = e.steps(id)
	} else {
		o = e.upload(id)
	}
	o.loggingIn = o.began.Sub(ready)
	e.absorb(id, &o, e.classOf(&o))
}

// upload sends attempt id's one-request upload, and once more when its
// answer asks its caller to log in again.
func (e *engine) upload(id attemptID) outcome {
	used := e.sessions.of(id.caller)
	o := e.uploadOnce(id)
	if o.err == nil && e.sessions.refuses(o.x.Code) && e.ensureLogin(id.caller, used) == nil {
		e.opts.Aggregator.AddLoginRetried()
		first := o
		o = e.uploadOnce(id)
		o.began, o.latency = first.began, time.Since(first.began)
		o.x.BytesOut += first.x.BodyOut()
	}
	return o
}

// uploadOnce sends attempt id's upload request and follows its redirects.
func (e *engine) uploadOnce(id attemptID) outcome {
	began := time.Now()
	x := e.exchange(id, began)
	var jarURL *url.URL // the upload's URL, which the cookies' paths match
	if e.jars != nil {
		jarURL = e.uploadURL(id)
		x.WantCookies, x.Cookie = true, e.jars.header(id.caller, jarURL)
	}
	err := e.wire.Do(e.runCtx, &x)
	if e.jars != nil {
		e.jars.keep(id.caller, jarURL, x.SetCookies)
	}
	var hops int
	if err == nil {
		hops, err = e.redirects.follows(e.runCtx, &x)
	}
	return outcome{began: began, latency: time.Since(began), x: &x, err: err, hops: hops}
}

// classOf is an attempt's class: the service's answer, or who failed it —
// the run's stop (aborted), this machine (a generator class), or the
// service, read from the error's type (classify.go).
func (e *engine) classOf(o *outcome) reports.Class {
	switch {
	case o.err == nil && o.badAnswer != "":
		return reports.ClassBadAnswer
	case o.err == nil:
		return classify(o.x.Code)
	case e.runCtx.Err() != nil:
		return reports.ClassAborted
	}
	var le *loginError
	if errors.As(o.err, &le) { // a login again in the middle of an upload in steps
		return le.class
	}
	return errorClass(o.err)
}
