package reports

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
	ClassEOF         Class = "eof"
	ClassHTTP4xx     Class = "http_4xx"
	ClassHTTP429     Class = "http_429"
	ClassHTTP5xx     Class = "http_5xx"
	ClassOther       Class = "other"
)

// Generator error classes: the attempt failed on this machine and says
// nothing about the service.
const (
	GenOutOfFiles Class = "out_of_files" // EMFILE/ENFILE: raise ulimit -n or run fewer callers per shard
	GenOutOfPorts Class = "out_of_ports" // EADDRNOTAVAIL: ephemeral ports exhausted (TIME_WAIT)
	GenLocal      Class = "local_error"  // another local failure before the request left
)

// Generator reports whether c is a generator's own error class.
func (c Class) Generator() bool { return c == GenOutOfFiles || c == GenOutOfPorts || c == GenLocal }
