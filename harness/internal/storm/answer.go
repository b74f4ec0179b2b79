package storm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// answer is what an attempt's response tells its caller beyond its class.
type answer struct {
	code       int
	follow     string        // the status URL to poll until done; "" when not followed
	uploadID   string        // the id read from the answer (completion: body), {upload.id} of the polls
	retryAfter time.Duration // the service's Retry-After; -1 when none
}

// maxAnswerBody is how much of an upload's answer is kept to read the
// upload's id from (api.completion: body); an id is in the first bytes.
const maxAnswerBody = 64 << 10

// read reads o, the answer to attempt id that ended at offset end:
// its Retry-After, and what to follow to the upload's end — under
// completion auto or location a 202's Location on the target's host, under
// body the status path of the id found at api.status.id_field in a 2xx
// answer. A 2xx answer without a readable id is class bad_answer: the
// service said yes in a shape the scenario does not describe, and the
// caller cannot know its upload's fate. The first is kept as an example.
func (e *engine) read(o *outcome, id attemptID, class reports.Class, end time.Duration) (answer, reports.Class) {
	a := answer{code: o.code(), retryAfter: -1}
	if class != reports.ClassNone {
		if o.err == nil {
			a.retryAfter = retryAfter(o.x.RetryAfter, e.start.Add(end))
		}
		return a, class
	}
	switch body := o.x.Answer; {
	case e.sc.API.Completion == scenarios.CompletionBody && e.idField.String() == "":
		// An upload in steps whose polls' path holds what a step saved.
		a.follow = e.target + e.req.StatusPath(id.caller, "")
	case e.sc.API.Completion == scenarios.CompletionBody:
		uploadID, reason := e.uploadID(body)
		if reason != "" {
			e.opts.Aggregator.AddBadAnswer(reports.BadAnswer{AtS: end.Seconds(), Caller: int32(id.caller),
				Status: int32(a.code), Reason: reason, Body: e.redact(string(body[:min(len(body), 512)]))})
			return a, reports.ClassBadAnswer
		}
		a.follow, a.uploadID = e.target+e.req.StatusPath(id.caller, uploadID), uploadID
	case a.code == http.StatusAccepted && e.trk != nil:
		if loc := o.x.Location; loc != "" && e.followable(loc) {
			a.follow = loc
		}
	}
	return a, class
}

// uploadID reads the upload's id from an answer's body at
// api.status.id_field; reason says, in user words, why it could not.
func (e *engine) uploadID(body []byte) (id, reason string) {
	field := e.idField.String()
	if len(body) == 0 {
		return "", fmt.Sprintf("empty answer: no %q to read", field)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if len(body) >= maxAnswerBody {
			return "", fmt.Sprintf("answer longer than %d bytes before %q could be read", maxAnswerBody, field)
		}
		return "", fmt.Sprintf("answer is not JSON (%v)", err)
	}
	v, ok := e.idField.Value(doc)
	if !ok || v == "" {
		return "", fmt.Sprintf("no %q in the answer", field)
	}
	return v, ""
}

// redact hides the scenario's secrets (${NAME} values, callers.from's
// secret columns) in text that goes into a report: a service may echo a
// request's headers in its answer.
func (e *engine) redact(s string) string { return e.req.Redact(s) }
