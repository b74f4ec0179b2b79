package traffic

import (
	"time"
)

// Version is the trace format this package writes and reads. A trace of
// another version is refused with a *VersionError: the format changes
// only with a new version number, so an old rehearse never misreads a new
// trace.
const Version = 1

// Ext is how a trace file's name ends.
const Ext = ".trace.jsonl.gz"

// CallerPlaceholder stands for the caller in an upload's path template.
const CallerPlaceholder = "{caller}"

// Header is the first line of a trace: what it was made from and what it
// holds. Callers and Uploads are checked against the lines that follow
// when the trace is read, so a truncated trace is an error, not a smaller
// storm.
type Header struct {
	// Version is the trace format (Version); 0 in a file means the file
	// is not a trace.
	Version int `json:"rehearse_trace"`
	// Sources are the log files, as named on the command line.
	Sources []string `json:"sources"`
	// Format is the log format they were read as.
	Format Format `json:"format"`
	// Caller is the caller rule, as written (path:^/v1/callers/([^/]+)).
	Caller string `json:"caller"`
	// Hashed is true when caller names are keyed hashes of the logged
	// identities, not the identities themselves.
	Hashed bool `json:"hashed"`
	// Query is true when paths keep their query strings.
	Query bool `json:"query"`
	// Bytes names the field most uploads' sizes came from, as the log
	// defines it (content_length: the body; request_length: request line,
	// headers and body); "" when the log has no request size.
	Bytes string `json:"bytes"`
	// BytesFrom counts the uploads by the field their size came from,
	// most first (request-body fields are read before fields that count
	// headers too: docs/import.md, "Sizes"). Absent in older traces.
	BytesFrom []SizeSource `json:"bytes_from,omitempty"`
	// Unsized counts the uploads whose line logged no size. Each carries
	// BytesAssumed, the size the import was told to assume
	// (--assume-size), or 0 when none was: a replay sends those with the
	// smallest body. SizeNote says so for every report of the replay.
	Unsized      int64 `json:"unsized,omitempty"`
	BytesAssumed int64 `json:"bytes_assumed,omitempty"`
	// Start is the arrival time of the first upload: every offset is
	// from it.
	Start time.Time `json:"start"`
	// SpanMS is the offset of the last upload, in milliseconds.
	SpanMS int64 `json:"span_ms"`
	// Callers and Uploads count the caller lines and their uploads.
	Callers int   `json:"callers"`
	Uploads int64 `json:"uploads"`
	// Part, when set, says the trace is one shard's share of a replay
	// (part.go); its callers and uploads carry their places in it.
	Part *Part `json:"part,omitempty"`
}

// Span is the offset of the last upload.
func (h Header) Span() time.Duration { return time.Duration(h.SpanMS) * time.Millisecond }

// CallerTrace is one caller's uploads, in arrival order.
type CallerTrace struct {
	// Name is the caller's identity as the rule found it, or its keyed
	// hash (c-<16 hex digits>) when the header says Hashed.
	Name    string   `json:"caller"`
	Uploads []Upload `json:"uploads"`
	// Ordinal is the caller's place among the whole replay's callers, in
	// a part ("k"); 0 otherwise.
	Ordinal int `json:"-"`
}

// Upload is one logged request of a caller.
type Upload struct {
	// Offset is the arrival time from the trace's Start, at millisecond
	// precision. A replay at speed s sends it at Offset/s (At).
	Offset time.Duration `json:"-"`
	// Method is the HTTP method, as logged (POST).
	Method string `json:"m"`
	// Path is the path template: the request path with the caller's
	// identity replaced by {caller}, without the query string unless the
	// import kept it.
	Path string `json:"p"`
	// Bytes is the request size the log recorded (Header.Bytes says what
	// it counts); 0 when the log has none.
	Bytes int64 `json:"b"`
	// Status is the status the upload got when it was logged; 0 when the
	// log recorded no response (the client gave up or the connection
	// failed).
	Status int `json:"s"`
	// Retry is true when the upload looks like a retry of one of the
	// caller's that failed just before: same method and path, within the
	// import's retry window after a 4xx, 5xx or no response. A replay
	// may leave these out, since retries are the scenario's client
	// behaviour, not the old log's.
	Retry bool `json:"r,omitempty"`
	// Index is the upload's place in the whole replay's order, in a part
	// ("g"); 0 otherwise.
	Index int64 `json:"-"`
}

// At is when a replay at speed sends u: its offset divided by speed.
// Speed <= 0 is taken as 1.
func (u Upload) At(speed float64) time.Duration {
	if speed <= 0 {
		speed = 1
	}
	return time.Duration(float64(u.Offset) / speed)
}

// Failed reports whether the upload got no answer, a 4xx or a 5xx.
func (u Upload) Failed() bool { return failed(u.Status) }

func failed(status int) bool { return status == 0 || status >= 400 }
