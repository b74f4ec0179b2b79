package traffic

import (
	"regexp"
	"time"
)

// Defaults of Import's options, exported so the CLI's flags say the same.
const (
	// DefaultFormat is the log format when none is given.
	DefaultFormat = FormatNginx
	// DefaultMaxBad is the fraction of lines that may fail to parse
	// before an import fails (1%).
	DefaultMaxBad = 0.01
	// DefaultRetryWindow is how soon after a failed upload the caller's
	// upload of the same method, path and size counts as its retry.
	DefaultRetryWindow = time.Minute
	// MaxAssumeSize bounds WithAssumeSize (1 GB).
	MaxAssumeSize int64 = 1_000_000_000
)

// Option changes how Import reads and filters.
type Option func(*options)

type options struct {
	format      Format
	caller      CallerRule
	fields      FieldMap
	hashKey     []byte
	query       bool
	since       TimeBound
	until       TimeBound
	path        *regexp.Regexp
	methods     []string
	callers     int
	maxBad      float64
	retryWindow time.Duration
	tempDir     string
	sizeFrom    string
	assumeSize  int64
}

func defaultOptions() options {
	rule, err := ParseCallerRule(DefaultCallerRule)
	if err != nil {
		panic(err) // a constant that does not compile is a bug, caught by any test
	}
	return options{format: DefaultFormat, caller: rule, maxBad: DefaultMaxBad, retryWindow: DefaultRetryWindow}
}

// WithFormat sets the log format. Default DefaultFormat (nginx).
func WithFormat(f Format) Option { return func(o *options) { o.format = f } }

// WithCaller sets how a line names its caller. Default DefaultCallerRule.
func WithCaller(r CallerRule) Option { return func(o *options) { o.caller = r } }

// WithFieldMap sets where a JSON log keeps each slot (ParseFieldMap).
// Default: DefaultFieldMap of the format.
func WithFieldMap(m FieldMap) Option { return func(o *options) { o.fields = m } }

// WithHashKey names every caller by a keyed hash of its identity
// (HMAC-SHA256, c-<16 hex digits>) so no customer name enters the trace;
// the same key gives the same names across imports. Default: nil, the
// identities as logged. An empty non-nil key is refused by Import.
func WithHashKey(key []byte) Option { return func(o *options) { o.hashKey = key } }

// WithQuery keeps query strings in path templates. Default false: paths
// are cut at '?', since a query often holds tokens or customer data.
func WithQuery(keep bool) Option { return func(o *options) { o.query = keep } }

// WithSince keeps uploads that arrived at or after b. Default: no bound.
func WithSince(b TimeBound) Option { return func(o *options) { o.since = b } }

// WithUntil keeps uploads that arrived before b. Default: no bound.
func WithUntil(b TimeBound) Option { return func(o *options) { o.until = b } }

// WithPath keeps uploads whose path (and query) matches re. Default: all.
func WithPath(re *regexp.Regexp) Option { return func(o *options) { o.path = re } }

// WithMethods keeps uploads of these methods, in any case. Default: all.
func WithMethods(m ...string) Option { return func(o *options) { o.methods = m } }

// WithCallers keeps n callers, the same n whatever the order of the lines:
// those whose identities hash lowest. Default 0: all.
func WithCallers(n int) Option { return func(o *options) { o.callers = n } }

// WithMaxBad sets the fraction (0..1) of non-blank lines that may fail to
// parse; above it Import fails with a *BadLinesError. Default
// DefaultMaxBad (1%).
func WithMaxBad(f float64) Option { return func(o *options) { o.maxBad = f } }

// WithRetryWindow sets how soon after a failed upload the caller's
// upload of the same method, path and size counts as its retry (retry.go).
// Default DefaultRetryWindow.
func WithRetryWindow(d time.Duration) Option { return func(o *options) { o.retryWindow = d } }

// WithTempDir sets where uploads are spilled while they are grouped by
// caller (about 40 bytes a line, removed before Import returns). Default:
// os.TempDir.
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithSizeFrom reads every upload's size from field alone: a JSON key
// (dotted for nested objects), for nginx what the column after the user
// agent holds (request_length or content_length), for ALB
// received_bytes. A response's size (body_bytes_sent, sent_bytes) is
// refused. Default "": the format's fields, request-body fields first
// (sizefield.go).
func WithSizeFrom(field string) Option { return func(o *options) { o.sizeFrom = field } }

// WithAssumeSize gives every upload whose line logs no size this size,
// in bytes, and the trace says so (Header.BytesAssumed), so every report
// of its replay does. Default 0: none; then a log without any size is
// refused (*NoSizesError).
func WithAssumeSize(n int64) Option { return func(o *options) { o.assumeSize = n } }
