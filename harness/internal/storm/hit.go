package storm

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/rehearse-dev/rehearse/reports"
)

// storm sends every attempt the pacer makes due, each on its own
// goroutine through the wire, until no caller can send again, and waits
// for the attempts in flight. vegeta's Attacker did this before: its
// workers hand every request to net/http's connection goroutines and every
// result to one consumer, which at 9,000 attempts/s on two cores put
// milliseconds of lag between a caller's intended and actual send
// (README, "At the machine's limit"). The pacer is still a vegeta.Pacer
// and an attempt is still a vegeta.Result.
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
	e.ports, e.portsOK = portsInUse(e.wire.addr)
	e.wire.closeIdle()
}

// hit sends one attempt and absorbs what came of it.
func (e *engine) hit(it item) {
	n := e.inflight.Add(1)
	defer e.inflight.Add(-1)
	for peak := e.inflightPeak.Load(); n > peak && !e.inflightPeak.CompareAndSwap(peak, n); peak = e.inflightPeak.Load() {
	}
	id := it.id()
	began := time.Now()
	x := exchange{req: e.req, caller: id.caller, try: id.try, keep: e.keep,
		deadline: began.Add(e.timeouts[id.caller])}
	err := e.wire.do(&x)
	res := vegeta.Result{Attack: e.sc.Name, Timestamp: began, Latency: time.Since(began),
		Method: x.req.Method(), BytesIn: x.bytesIn, BytesOut: x.bytesOut, Body: x.answer}
	if err != nil {
		res.Error = err.Error()
	} else {
		res.Code = uint16(x.code)
		res.Headers = answerHeaders(&x)
	}
	e.absorb(id, &res, e.classOf(int(res.Code), err))
}

// classOf is an attempt's class: the service's answer, or who failed it —
// the run's stop (aborted), the caller's timeout, this machine (a
// generator class), or the service (refused, reset, closed).
func (e *engine) classOf(code int, err error) reports.Class {
	var ne net.Error
	switch {
	case err == nil:
		return classify(code, "")
	case e.runCtx.Err() != nil:
		return reports.ClassAborted
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, errTimeout), errors.As(err, &ne) && ne.Timeout():
		return reports.ClassTimeout
	}
	if c := localClass(err); c != reports.ClassNone {
		return c
	}
	return classify(0, err.Error())
}

// answerHeaders are the headers of x's answer the storm reads (answer.go),
// nil when it had none of them.
func answerHeaders(x *exchange) map[string][]string {
	if x.location == "" && x.retryAfter == "" {
		return nil
	}
	h := make(map[string][]string, 2)
	if x.location != "" {
		h["Location"] = []string{x.location}
	}
	if x.retryAfter != "" {
		h["Retry-After"] = []string{x.retryAfter}
	}
	return h
}
