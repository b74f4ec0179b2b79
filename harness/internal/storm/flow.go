package storm

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// An upload made in steps (api.upload.steps) is one attempt of its
// caller: its steps in order, each a request with the caller's timeout,
// the data step one request a part. The attempt succeeds when its last
// step does; the first step that fails is the attempt's answer (its
// status, its class), and the caller's retry starts the flow over, as
// an upload client that lost its upload does. The attempt's latency runs
// from its first byte to its last step's answer; its bytes are all its
// requests'.

// errOffTarget is a step whose saved location is on a host the storm may
// not send to (not the target's, and no --allow-remote).
var errOffTarget = errors.New("the step's location is not on the target's host (load goes to the target only)")

// errStoppedParts is a parts step the run stopped before its last part.
var errStoppedParts = errors.New("the run stopped before the upload's last part")

// callExchange is the exchange of a login's or a step's request: its
// method and (target-prefixed) path, the answer kept when something is
// saved from it (or the upload's id is read from it: last).
func (e *engine) callExchange(caller int, try int32, call *scenarios.Call, saves []scenarios.Save, keep bool) *wire.Exchange {
	x := &wire.Exchange{Req: e.req, Caller: caller, Try: try, Call: call, Method: call.Method,
		Deadline: time.Now().Add(e.timeout(caller)), Head: call.Method == "HEAD"}
	x.Path = call.Path
	if !strings.HasPrefix(x.Path, "http://") && !strings.HasPrefix(x.Path, "https://") {
		x.Path = e.wire.Prefix() + call.Path
	}
	if keep || len(saves) > 0 {
		x.AnswerCap = maxAnswerBody
	}
	for _, sv := range saves {
		if sv.Header != "" {
			x.WantHeaders = append(x.WantHeaders, sv.Header)
		}
	}
	x.GotHeaders = make([]string, len(x.WantHeaders))
	return x
}

// sendCall sends x (a login's or a step's request) with caller's cookies,
// on the target's wire or, for a saved absolute location, the wire of
// its host (when the storm may send there), and follows redirects.
func (e *engine) sendCall(x *wire.Exchange, caller int) outcome {
	began := time.Now()
	w := e.wire
	if strings.HasPrefix(x.Path, "http://") || strings.HasPrefix(x.Path, "https://") {
		var ok bool
		if w, x.Path, ok = e.redirects.next(x.Path); !ok {
			return outcome{began: began, x: x, err: errOffTarget}
		}
	}
	var jarURL *url.URL
	if e.jars != nil {
		jarURL = w.URLOf(x.Path)
		x.WantCookies, x.Cookie = true, e.jars.header(caller, jarURL)
	}
	err := w.Do(e.runCtx, x)
	if e.jars != nil {
		e.jars.keep(caller, jarURL, x.SetCookies)
	}
	var hops int
	if err == nil {
		hops, err = e.redirects.follows(e.runCtx, x)
	}
	return outcome{began: began, latency: time.Since(began), x: x, err: err, hops: hops}
}

// steps sends attempt id's upload as its steps and returns the attempt's
// outcome: the failing step's answer, or the last step's.
func (e *engine) steps(id attemptID) outcome {
	began := time.Now()
	var out, in uint64
	var hops int
	var o outcome
	n := e.req.Steps()
	for i := range n {
		if p := e.req.StepParts(i); p != nil {
			o = e.parts(i, id, p, i == n-1)
		} else {
			o = e.step(i, id, scenarios.PartRange{}, i == n-1)
		}
		out, in, hops = out+o.x.BytesOut, in+o.x.BytesIn, hops+o.hops // body bytes: stepOnce's convention
		if o.err != nil || e.classOf(&o) != reports.ClassNone {
			break
		}
		if saves := e.req.StepSaves(i); len(saves) > 0 {
			saved, msg := scenarios.Extract(saves, o.x.Answer, o.x.Header)
			if msg != "" {
				o.badAnswer = fmt.Sprintf("step %d (%s): %s", i+1, e.req.StepName(i), msg)
				break
			}
			e.sessions.save(id.caller, saved)
		}
	}
	// The attempt's figures are the whole flow's: its body bytes, and the
	// answers' bytes.
	o.x.BytesOut, o.x.BytesIn, o.x.HeadLen = out, in, 0
	o.began, o.latency, o.hops = began, time.Since(began), hops
	return o
}

// step sends step i of attempt id (part, for a parts step), logging in
// again and sending it once more when its answer asks for that.
func (e *engine) step(i int, id attemptID, part scenarios.PartRange, last bool) outcome {
	used := e.sessions.of(id.caller)
	o := e.stepOnce(i, id, part, last)
	if o.err == nil && e.sessions.refuses(o.x.Code) && e.ensureLogin(id.caller, used) == nil {
		e.opts.Aggregator.AddLoginRetried()
		out, in := o.x.BytesOut, o.x.BytesIn
		o = e.stepOnce(i, id, part, last)
		o.x.BytesOut, o.x.BytesIn = o.x.BytesOut+out, o.x.BytesIn+in
	}
	return o
}

// stepOnce sends step i of attempt id once and records it in the step's
// row.
func (e *engine) stepOnce(i int, id attemptID, part scenarios.PartRange, last bool) outcome {
	if err := e.ensureLogin(id.caller, nil); err != nil { // a long upload outlives its token
		return outcome{began: time.Now(), x: &wire.Exchange{}, err: err}
	}
	call := e.req.StepCall(i, id.caller, id.try, part)
	x := e.callExchange(id.caller, id.try, &call, e.req.StepSaves(i), last && e.answerCap > 0)
	o := e.sendCall(x, id.caller)
	// From here on bytesOut is the body's alone (headLen 0), so that the
	// parts and steps of an attempt add up to its upload's bytes.
	x.BytesOut, x.HeadLen = x.BodyOut(), 0
	e.opts.Aggregator.AddStep(reports.StepAttempt{Step: i, Latency: o.latency,
		OK: o.err == nil && e.classOf(&o) == reports.ClassNone, BytesOut: int64(x.BytesOut)})
	return o
}

// parts sends the caller's data as step i's parts, at most p.Concurrency
// at once, in order of their numbers; after a part fails no new one
// starts. The outcome is the first failed part's, else the last part's;
// its bytes are all the parts'.
func (e *engine) parts(i int, id attemptID, p *scenarios.Parts, last bool) outcome {
	size := int64(p.Size)
	total := e.req.DataLen(id.caller, id.try)
	count := max((total+size-1)/size, 1)
	var next atomic.Int64
	var mu sync.Mutex
	var out, in uint64
	var failed, lastPart *outcome
	var wg sync.WaitGroup
	for range min(int64(p.Concurrency), count) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := next.Add(1) - 1; k < count; k = next.Add(1) - 1 {
				mu.Lock()
				stop := failed != nil
				mu.Unlock()
				if stop || e.runCtx.Err() != nil {
					return
				}
				pr := scenarios.PartRange{N: k + 1, Offset: k * size, Length: min(size, total-k*size)}
				o := e.step(i, id, pr, last && k == count-1)
				mu.Lock()
				out, in = out+o.x.BytesOut, in+o.x.BytesIn
				switch {
				case (o.err != nil || e.classOf(&o) != reports.ClassNone) && failed == nil:
					failed = &o
				case k == count-1:
					lastPart = &o
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	o := failed
	if o == nil {
		o = lastPart
	}
	if o == nil { // the run stopped before the last part
		return outcome{began: time.Now(), x: &wire.Exchange{}, err: errStoppedParts}
	}
	o.x.BytesOut, o.x.BytesIn, o.x.HeadLen = out, in, 0
	return *o
}
