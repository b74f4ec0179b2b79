package reports

import (
	"fmt"
	"slices"
	"strings"
)

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

// ErrorExampleLines are r's error examples (Requests.ErrorExamples), one
// line each in the order of the classes' names: "tls at 0.21 s, caller 3:
// tls: failed to verify certificate: x509: … (1 of 40) — set sut.tls.ca
// …". The message is on one line and cut to maxBadAnswerLine bytes; it
// was redacted when it was kept (the engine's). Nil when there is none.
func ErrorExampleLines(r *Report) []string {
	ex := r.Requests.ErrorExamples
	if len(ex) == 0 {
		return nil
	}
	classes := make([]string, 0, len(ex))
	for c := range ex {
		classes = append(classes, string(c))
	}
	slices.Sort(classes)
	out := make([]string, 0, len(classes))
	for _, c := range classes {
		out = append(out, errorExampleText(r, Class(c), ex[Class(c)]))
	}
	return out
}

// errorExampleText is one class's example in a line.
func errorExampleText(r *Report, c Class, e ErrorExample) string {
	msg := strings.Join(strings.Fields(e.Message), " ")
	if len(msg) > MaxBadAnswerLine {
		msg = strings.ToValidUTF8(msg[:MaxBadAnswerLine], "") + "…"
	}
	s := fmt.Sprintf("%s at %.2f s, caller %d: %s", c, e.AtS, e.Caller, msg)
	if k := r.Requests.Errors[c]; k > 1 {
		s += fmt.Sprintf(" (1 of %d)", k)
	}
	if e.Hint != "" {
		s += " — " + e.Hint
	}
	return s
}

// MaxBadAnswerLine is how much of a bad answer's body a one-line view
// (the terminal table, JUnit properties) shows.
const MaxBadAnswerLine = 120
