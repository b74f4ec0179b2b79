package reports

import "strings"

// ErrorExample is the first attempt of an error class that got no answer
// (a protocol error, a closed connection, a TLS failure): what the
// client saw, in its words, with the scenario's secrets redacted by the
// engine. It is what makes a count of a class readable.
type ErrorExample struct {
	AtS     float64 `json:"at_s"`   // when it ended, from the run's start
	Caller  int32   `json:"caller"` // caller index
	Message string  `json:"message"`
	// Hint is what to change when the engine knows it from the error's
	// type (an untrusted certificate: sut.tls.ca); "" when it does not.
	Hint string `json:"hint,omitempty"`
}

// maxExampleMessage bounds an example's message: an answer's malformed
// head can be long.
const maxExampleMessage = 512

// AddErrorExample keeps e as class's example when it is the first of its
// class; later ones are dropped (AddAttempt counts them all).
func (a *Aggregator) AddErrorExample(class Class, e ErrorExample) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.examples[class]; ok || class == ClassNone {
		return
	}
	if len(e.Message) > maxExampleMessage {
		e.Message = e.Message[:maxExampleMessage]
	}
	e.Message = strings.ToValidUTF8(e.Message, "\uFFFD")
	if a.examples == nil {
		a.examples = map[Class]ErrorExample{}
	}
	a.examples[class] = e
}
