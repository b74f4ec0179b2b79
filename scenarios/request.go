package scenarios

// Upload is how a caller's upload is sent (docs/scenarios-api.md). The one-line
// form "POST /v1/callers/{caller}/records" fills Method and Path and
// leaves the body in the reference shape; the long form adds headers and
// a body template. Placeholders ({caller}, {record.id}, ...) and secrets
// (${NAME}) are compiled once by NewRequests, never interpreted per record.
type Upload struct {
	Method  string            `yaml:"method" json:"method"`
	Path    string            `yaml:"path" json:"path"` // path and query; {caller} anywhere or nowhere
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	Body    Body              `yaml:"body" json:"body"`
	// ExpectContinue sends "Expect: 100-continue" and waits for the
	// service's 100 (or its early answer) up to a second before the body:
	// auto for bodies over 1 MiB (as curl does), always, or never
	// (default).
	ExpectContinue ExpectMode `yaml:"expect_continue" json:"expect_continue,omitempty"`
	// Steps, when set, make the upload a flow of requests (flow.go):
	// Method and Path are then left out, Headers go on every step, and
	// Body is the caller's data that a parts step sends.
	Steps []Step `yaml:"steps" json:"steps,omitempty"`
}

// ExpectMode is api.upload.expect_continue.
type ExpectMode string

// Expect modes.
const (
	ExpectNever  ExpectMode = "never"
	ExpectAuto   ExpectMode = "auto"
	ExpectAlways ExpectMode = "always"
)

// ExpectAutoAbove is the body size above which expect_continue: auto
// asks first (curl's threshold).
const ExpectAutoAbove = 1 << 20

// Expects reports whether an upload of bodyLen bytes asks before its body.
func (u Upload) Expects(bodyLen int64) bool {
	return u.ExpectContinue == ExpectAlways || u.ExpectContinue == ExpectAuto && bodyLen > ExpectAutoAbove
}

// Body is the template of an upload's body.
type Body struct {
	Format BodyFormat `yaml:"format" json:"format"` // default json
	// Record is one record: a JSON object (json, ndjson) or a CSV row (csv).
	Record string `yaml:"record" json:"record,omitempty"`
	// Envelope wraps the records of a json body; {records} is where they go,
	// comma-separated.
	Envelope  string            `yaml:"envelope" json:"envelope,omitempty"`
	CSVHeader string            `yaml:"csv_header" json:"csv_header,omitempty"`
	Part      *Part             `yaml:"part" json:"part,omitempty"`     // multipart: the file part
	Fields    map[string]string `yaml:"fields" json:"fields,omitempty"` // multipart: plain form fields
	// Compress: gzip compresses the body as it is sent and sets
	// Content-Encoding: gzip; "" sends it as it is.
	Compress string `yaml:"compress" json:"compress,omitempty"`
	// Chunked sends the body with Transfer-Encoding: chunked, without a
	// Content-Length, as a client streaming an upload does.
	Chunked bool `yaml:"chunked" json:"chunked,omitempty"`
}

// BodyFormat is the encoding of an upload's body.
type BodyFormat string

// The body formats a template may name.
const (
	// FormatJSON is one JSON document: Envelope around comma-separated
	// Records. Its default record and envelope are the reference shape
	// {"records":[{"id":...,"payload":{"d":...}}]}.
	FormatJSON BodyFormat = "json"
	// FormatNDJSON is one Record per line.
	FormatNDJSON BodyFormat = "ndjson"
	// FormatCSV is CSVHeader, then one Record row per line.
	FormatCSV BodyFormat = "csv"
	// FormatMultipart is multipart/form-data: Fields as plain parts, then
	// the file Part in one of the other formats.
	FormatMultipart BodyFormat = "multipart"
	// FormatRaw is records x record_bytes seeded bytes, nothing else.
	FormatRaw BodyFormat = "raw"
)

// Part is the file part of a multipart body.
type Part struct {
	Field       string     `yaml:"field" json:"field"`               // form field name, default file
	Filename    string     `yaml:"filename" json:"filename"`         // may hold placeholders
	ContentType string     `yaml:"content_type" json:"content_type"` // default by format
	Format      BodyFormat `yaml:"format" json:"format"`             // json | ndjson | csv | raw
}

// Status is where an accepted upload's state is read when
// api.completion is body: the id is read from the upload's answer at
// IDField (dotted, e.g. job.id) and put in Path as {upload.id}.
type Status struct {
	// Method is the poll's: GET (default), HEAD or POST.
	Method  string `yaml:"method" json:"method,omitempty"`
	Path    string `yaml:"path" json:"path"`
	IDField string `yaml:"id_field" json:"id_field"`
	// Headers go on every status poll, over api.headers.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
}

// Verify reads a caller's stored data back (data.verify): Path with
// {caller}, the record ids at IDsField (e.g. records[].id).
type Verify struct {
	Path     string `yaml:"path" json:"path"`
	IDsField string `yaml:"ids_field" json:"ids_field"`
	// Headers go on every read-back, over api.headers.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
}
