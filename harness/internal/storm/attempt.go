package storm

import (
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
)

// attemptID names one attempt: a caller and its try number (1 = first).
type attemptID struct {
	caller int
	try    int32
}

// outcome is what came of one attempt: when it left, how long until its
// answer (or its failure), and the exchange that holds the answer.
type outcome struct {
	began   time.Time
	latency time.Duration
	x       *wire.Exchange
	err     error // nil when an answer came
	hops    int   // redirects followed (redirect.go)
	// badAnswer says why a step's 2xx answer could not be read for what
	// it saves (class bad_answer); "" when it could.
	badAnswer string
	// loggingIn is how long the caller logged in before the attempt: its
	// intended send moves by that much, so that the login is not read as
	// the generator's lag.
	loggingIn time.Duration
}

// code is the answer's status, 0 when none came.
func (o *outcome) code() int {
	if o.err != nil {
		return 0
	}
	return o.x.Code
}
