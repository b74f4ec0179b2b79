package reports

import (
	"fmt"
	"slices"
	"strings"
)

// Class is the outcome class of an attempt: the service's answer or failure
// (ClassTimeout, ...), or an error the generator made itself (GenOutOfFiles,
// ...). It is the one home of these words: the storm engine classifies into
// them, reports count them, gates and renderers read them.
type Class string

// Error classes of an attempt that reached (or tried to reach) the service.
// ClassNone marks a 2xx/3xx answer.
const (
	ClassNone        Class = ""
	ClassTimeout     Class = "timeout"
	ClassConnRefused Class = "conn_refused"
	ClassConnReset   Class = "conn_reset"
	// ClassEOF is an end of the connection where an answer should be; the
	// wire says ClassConnClosed for it now, reports of earlier runs keep it.
	ClassEOF Class = "eof"
	// ClassConnClosed: the request was written, then the connection ended
	// (an end of stream or a reset) without an answer, or in the middle of
	// one. The service may have read the request.
	ClassConnClosed Class = "conn_closed"
	// ClassConnTimeout: no connection within callers.connect_timeout.
	ClassConnTimeout Class = "conn_timeout"
	// ClassProtocol: an answer that cannot be read as HTTP (a malformed
	// head, conflicting lengths, an unknown transfer coding, an endless
	// header). Report.Requests.ErrorExamples keeps the first.
	ClassProtocol Class = "protocol"
	// ClassRedirect: a 3xx answer the storm did not follow (api.redirects:
	// fail, more than scenarios.MaxRedirects hops, a Location off the
	// target's host, or no Location): never a success.
	ClassRedirect Class = "redirect"
	// ClassTLS: the TLS handshake or a record failed (an untrusted
	// certificate, an alert from the service).
	ClassTLS     Class = "tls"
	ClassHTTP4xx Class = "http_4xx"
	ClassHTTP429 Class = "http_429"
	ClassHTTP5xx Class = "http_5xx"
	ClassOther   Class = "other"
	// ClassBadAnswer: a 2xx answer whose body the status mapping could not
	// read (no id at api.status.id_field); Report.BadAnswer keeps one.
	ClassBadAnswer Class = "bad_answer"
)

// Generator error classes: the attempt failed on this machine and says
// nothing about the service.
const (
	GenOutOfFiles Class = "out_of_files" // EMFILE/ENFILE: raise ulimit -n or run fewer callers per shard
	GenOutOfPorts Class = "out_of_ports" // EADDRNOTAVAIL: ephemeral ports exhausted (TIME_WAIT)
	GenLocal      Class = "local_error"  // another local failure before the request left
)

// ClassAborted marks an attempt that was in flight when the run itself
// stopped (Ctrl-C, run.max_duration): rehearse cut it off, so it is neither
// the service's success nor its failure. It is counted in Requests.Aborted
// only.
const ClassAborted Class = "aborted"

// Generator reports whether c is a generator's own error class.
func (c Class) Generator() bool { return c == GenOutOfFiles || c == GenOutOfPorts || c == GenLocal }

// Advice is what to do about a generator error class: its cause and its
// fix, in user words. It is "" for the service's classes.
func (c Class) Advice() string {
	switch c {
	case GenOutOfFiles:
		return "this machine ran out of file descriptors: raise `ulimit -n`, run fewer callers, or split the storm over more shards (--shard)"
	case GenOutOfPorts:
		return "this machine ran out of ephemeral ports: wait for connections in TIME_WAIT to drain (about a minute) or use fewer connections"
	case GenLocal:
		return "an attempt failed on this machine before it left: see the attempts of class local_error in attempts.csv"
	}
	return ""
}

// GeneratorNotePrefix starts the note GeneratorNote writes, so that a view
// can tell whether a report already carries it.
const GeneratorNotePrefix = "invalid run: generator errors"

// GeneratorNote is the report note of a run whose generator failed: the
// counts by class, each class's cause and fix, and that the run says
// nothing about the service. It is "" when errs holds no error.
func GeneratorNote(errs map[Class]int64) string {
	var counts, advice []string
	for _, c := range SortedClasses(errs) {
		counts = append(counts, fmt.Sprintf("%s %d", c, errs[c]))
		if a := c.Advice(); a != "" {
			advice = append(advice, string(c)+": "+a)
		}
	}
	if len(counts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%s); the attempts never reached the service, so this run says nothing about it. %s.",
		GeneratorNotePrefix, strings.Join(counts, ", "), strings.Join(advice, "; "))
}

// SortedClasses are the classes of m with a count above 0, sorted.
func SortedClasses(m map[Class]int64) []Class {
	var cs []Class
	for c, n := range m {
		if n > 0 {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	return cs
}
