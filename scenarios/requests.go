package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Requests renders each caller's upload, status and verify requests from
// the scenario's templates, compiled once by NewRequests. Every method is
// safe for concurrent use and allocates only what it returns: Body one
// reader per call, which streams the body from the population's arena
// record by record and never holds it whole.
//
// Values are inserted as they are, unescaped, except in paths (path- or
// query-escaped as fits where they land): caller names, record ids,
// indexes, tries and the payload filler are all [A-Za-z0-9+/-], safe
// inside JSON strings and CSV fields. Variables and secrets are the
// scenario's own text; a quote in one is the scenario's to escape.
//
// A Requests holds resolved secrets: it prints as its method, path and
// format only (String, Format), and Secrets lists the values an engine
// must redact from anything it writes.
type Requests struct {
	method   string
	pathText string // the path template as written, for String
	format   BodyFormat
	path     []segment
	headers  []headerTemplate
	body     bodyPlan
	status   []segment
	verify   []segment
	list     []segment
	secrets  []string
	redactor *strings.Replacer // the secrets, each as [redacted]; nil when none

	// The caller's flow (flow_requests.go): its login, its upload's steps,
	// the data a parts step sends, and where each caller's session is.
	login        *callPlan
	steps        []callPlan
	data         *bodyPlan
	sessions     func(caller int) *Session
	uploadNo     func(caller int) int
	statusMethod string

	// The reads' headers: api.headers overlaid with the read's own.
	statusHeaders, verifyHeaders, listHeaders []headerTemplate

	// callers.from: each caller's row, and per var slot the row's column
	// that fills it (-1: the class's value).
	rows     [][][]byte
	slotCols []int
	replayed bool

	pop       *Population
	names     [][]byte // by caller, where they are not caller-00042; nil otherwise
	classes   []classInfo
	keyPrefix []byte // IdempotencyKey = keyPrefix + caller name
	seed      uint64
}

// headerTemplate is one header: its canonical name and compiled value.
type headerTemplate struct {
	name  string
	value []segment
}

// callerInfo is what rendering needs of one caller, read from the
// population per request (Requests.info).
type callerInfo struct {
	records     int32
	recordBytes int32
	pad         int32 // a replayed upload's whitespace to its logged size
	class       uint16
	name        []byte // a replayed upload's caller; nil: caller-00042 by index
}

// info is caller's callerInfo.
func (r *Requests) info(caller int) callerInfo {
	p := r.pop
	k := int(p.class[caller])
	ci := callerInfo{records: p.records[caller], recordBytes: int32(p.plans[k].RecordBytes), class: uint16(k), pad: int32(p.Pad(caller))}
	if r.names != nil {
		ci.name = r.names[caller]
	}
	return ci
}

// classInfo is a caller class's name and variable values, by var slot.
type classInfo struct {
	name []byte
	vars [][]byte
}

// referenceKeyHeader is the one-line form's own header, as the storm sent
// it before templates (its Content-Type is the json body's).
const referenceKeyHeader = "Idempotency-Key"

// NewRequests compiles s's request templates for the callers of pop and
// reads the ${NAME} secrets from lookupEnv (os.LookupEnv when nil). It
// returns every template problem at once (checkTemplates, matching
// ErrInvalid), never a secret's value. A one-line upload with no headers
// and no body template renders the reference request: the reference
// body ({"records":[{"id":"c0000042-r0000000","payload":{"d":"..."}},...]},
// pinned by TestPopulationWithoutClassesIsUnchanged), Content-Type
// application/json and Idempotency-Key {attempt.key}.
func NewRequests(s *Scenario, pop *Population, lookupEnv func(string) (string, bool)) (*Requests, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	if pop == nil || pop.Len() == 0 {
		return nil, errors.New("new requests: no callers")
	}
	if errs := checkTemplates(s, lookupEnv); len(errs) > 0 {
		all := make([]error, len(errs))
		for i, e := range errs {
			all[i] = e
		}
		return nil, fmt.Errorf("%w: request templates: %w", ErrInvalid, errors.Join(all...))
	}
	r := &Requests{method: s.API.Upload.Method, pathText: s.API.Upload.Path, pop: pop, seed: uint64(s.Seed)}
	if err := r.indexCallers(s, pop); err != nil {
		return nil, err
	}
	res := resolver{r: r, env: lookupEnv, slots: map[string]int{}}
	up := s.API.Upload
	r.path = res.compile(up.Path)
	r.body, r.format = res.bodyPlan(up.Body)
	r.headers = res.headers(up, s.API.Headers)
	r.statusHeaders = res.headerList(s.API.Headers, nil)
	r.verifyHeaders, r.listHeaders = r.statusHeaders, r.statusHeaders
	r.statusMethod = "GET"
	if st := s.API.Status; st != nil {
		r.status = res.compile(st.Path)
		r.statusMethod = or(st.Method, "GET")
		r.statusHeaders = res.headerList(s.API.Headers, st.Headers)
	}
	if v := s.API.Verify; v != nil {
		r.verify = res.compile(v.Path)
		r.verifyHeaders = res.headerList(s.API.Headers, v.Headers)
	}
	if li := s.API.List; li != nil {
		r.list = res.compile(li.Path)
		r.listHeaders = res.headerList(s.API.Headers, li.Headers)
	}
	res.compileFlow(s)
	r.classVars(s, pop, res.slots)
	r.callerRows(s.Callers.table(), res.slots)
	if len(r.secrets) > 0 {
		pairs := make([]string, 0, 2*len(r.secrets))
		for _, v := range r.secrets {
			pairs = append(pairs, v, "[redacted]")
		}
		r.redactor = strings.NewReplacer(pairs...)
	}
	return r, nil
}

// callerRows keeps each caller's row of callers.from for the variables
// the templates use, and lists the secret columns' values as secrets.
func (r *Requests) callerRows(t *callerTable, slots map[string]int) {
	if t == nil {
		return
	}
	r.slotCols = make([]int, len(slots))
	for name, slot := range slots {
		r.slotCols[slot] = t.column(name)
	}
	r.rows = make([][][]byte, len(t.rows))
	for i, row := range t.rows {
		r.rows[i] = make([][]byte, len(row))
		for j, v := range row {
			r.rows[i][j] = []byte(v)
		}
	}
	for j, secret := range t.secret {
		if !secret {
			continue
		}
		for _, row := range t.rows {
			if v := row[j]; v != "" && !slices.Contains(r.secrets, v) {
				r.secrets = append(r.secrets, v)
			}
		}
	}
}

// indexCallers keeps the callers' own names where they are not
// caller-00042 (a replay's logged callers, callers.from's rows) and the
// idempotency key's prefix, so no request has to build a Caller. The rest
// of what rendering needs of a caller is read from the population when a
// request is rendered (info): nothing more is held per caller.
func (r *Requests) indexCallers(s *Scenario, pop *Population) error {
	if pop.Replayed() {
		r.names = make([][]byte, pop.Len())
		names := map[string][]byte{}
		for i, name := range pop.names {
			if names[name] == nil {
				names[name] = []byte(name) // shared by the caller's uploads
			}
			r.names[i] = names[name]
		}
		r.keyPrefix, r.replayed = []byte(pop.keyPrefix()), true
		return nil
	}
	if pop.ids != nil {
		// callers.from: the file's names, each a caller of its own.
		r.names = make([][]byte, pop.Len())
		for i, name := range pop.ids {
			r.names[i] = []byte(name)
		}
		r.keyPrefix = []byte(pop.keyPrefix())
		return nil
	}
	c := pop.Caller(pop.Len() - 1)
	prefix, ok := strings.CutSuffix(c.IdempotencyKey, c.Name)
	if !ok || string(appendCallerName(nil, c.Index)) != c.Name {
		return fmt.Errorf("new requests: caller %q with key %q: names and keys are not what templates render", c.Name, c.IdempotencyKey)
	}
	r.keyPrefix = []byte(prefix)
	return nil
}

// classVars fills each class's name and variable values: callers.vars,
// overlaid with the class's own as declared, overlaid with the plan's.
func (r *Requests) classVars(s *Scenario, pop *Population, slots map[string]int) {
	for _, pl := range pop.Classes() {
		vars := maps.Clone(s.Callers.Vars)
		if vars == nil {
			vars = map[string]string{}
		}
		for _, cl := range s.Callers.Classes {
			if cl.Name == pl.Name {
				maps.Copy(vars, cl.Vars)
			}
		}
		maps.Copy(vars, pl.Vars)
		ci := classInfo{name: []byte(pl.Name), vars: make([][]byte, len(slots))}
		for name, slot := range slots {
			ci.vars[slot] = []byte(vars[name])
		}
		r.classes = append(r.classes, ci)
	}
}

// appendCallerName appends caller i's name, caller-00042, as
// Population.Caller names it (at least 5 digits).
func appendCallerName(b []byte, i int) []byte {
	b = append(b, "caller-"...)
	for d := 10000; d > 1 && i < d; d /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(i), 10)
}

// Method is the upload's HTTP method.
func (r *Requests) Method() string { return r.method }

// SetsUserAgent reports whether the upload's template sets User-Agent:
// then it replaces the client's own, never goes beside it.
func (r *Requests) SetsUserAgent() bool {
	for _, h := range r.headers {
		if strings.EqualFold(h.name, "User-Agent") {
			return true
		}
	}
	return false
}

// Path is caller's upload path and query for its try (1-based), with the
// placeholders filled. Like every method taking a caller, it panics
// unless 0 <= caller < Population.Len(): path-escaped before the first "?", query-escaped
// after it.
func (r *Requests) Path(caller int, try int32) string {
	var c callCtx
	r.start(&c, caller, try)
	return c.renderPath(r.path, "")
}

// StatusPath is where the state of caller's upload uploadID is read
// (api.status.path), "" when the scenario has no api.status.
func (r *Requests) StatusPath(caller int, uploadID string) string {
	if r.status == nil {
		return ""
	}
	var c callCtx
	r.start(&c, caller, 0)
	return c.renderPath(r.status, uploadID)
}

// VerifyPath is where caller's stored records are read back
// (api.verify.path), "" when the scenario has no api.verify.
func (r *Requests) VerifyPath(caller int) string {
	if r.verify == nil {
		return ""
	}
	var c callCtx
	r.start(&c, caller, 0)
	return c.renderPath(r.verify, "")
}

// ListPath is where caller's uploads are listed (api.list), "" when the
// scenario has no api.list.
func (r *Requests) ListPath(caller int) string {
	if r.list == nil {
		return ""
	}
	var c callCtx
	r.start(&c, caller, 0)
	return c.renderPath(r.list, "")
}

// StatusHeader is the headers of a status poll of caller's upload
// uploadID: api.headers overlaid with api.status.headers. A new map each
// call; empty when there is none.
func (r *Requests) StatusHeader(caller int, uploadID string) http.Header {
	return r.readHeader(r.statusHeaders, caller, uploadID)
}

// VerifyHeader is the headers of caller's read-back: api.headers overlaid
// with api.verify.headers.
func (r *Requests) VerifyHeader(caller int) http.Header {
	return r.readHeader(r.verifyHeaders, caller, "")
}

// ListHeader is the headers of caller's listing: api.headers overlaid
// with api.list.headers.
func (r *Requests) ListHeader(caller int) http.Header {
	return r.readHeader(r.listHeaders, caller, "")
}

// readHeader renders the headers hs of a read for caller. A value that
// would break the request (a line break from an environment secret) is
// left out; checkTemplates refused such values in the file.
func (r *Requests) readHeader(hs []headerTemplate, caller int, uploadID string) http.Header {
	h := make(http.Header, len(hs))
	if len(hs) == 0 {
		return h
	}
	var c callCtx
	r.start(&c, caller, 0)
	var b []byte
	for _, ht := range hs {
		b = b[:0]
		for i := range ht.value {
			if sg := &ht.value[i]; sg.kind == opUploadID {
				b = append(b, uploadID...)
			} else {
				b = append(b, c.piece(sg)...)
			}
		}
		if !bytes.ContainsAny(b, "\r\n\x00") {
			h[ht.name] = []string{string(b)}
		}
	}
	return h
}

// renderPath fills a path template. Values go through url.PathEscape
// before the template's first literal "?" and url.QueryEscape after it.
func (c *callCtx) renderPath(segs []segment, uploadID string) string {
	var b []byte
	query := false
	for i := range segs {
		sg := &segs[i]
		var v string
		switch sg.kind {
		case opLit:
			b = append(b, sg.lit...)
			query = query || slices.Contains(sg.lit, '?')
			continue
		case opUploadID:
			v = uploadID
		case opLogin, opStep:
			v = string(c.saved(sg))
			if len(segs) == 1 && isPathOrURL(v) {
				return v // a saved Location: the path itself
			}
			if !query {
				b = append(b, escapeKeepSlash(v)...)
				continue
			}
		default:
			v = string(c.piece(sg))
		}
		if query {
			b = append(b, url.QueryEscape(v)...)
		} else {
			b = append(b, url.PathEscape(v)...)
		}
	}
	return string(b)
}

// isPathOrURL reports whether v is a path or an absolute http(s) URL, as
// a saved Location is.
func isPathOrURL(v string) bool {
	return strings.HasPrefix(v, "/") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://")
}

// escapeKeepSlash path-escapes v but for its slashes: a saved value in a
// path is often a path's tail (a storage key, an upload's location).
func escapeKeepSlash(v string) string {
	parts := strings.Split(v, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// StatusMethod is the status polls' method (api.status.method, GET).
func (r *Requests) StatusMethod() string { return r.statusMethod }

// Header is caller's upload headers for its try: the scenario's headers
// with secrets resolved and {body.length} filled, plus the format's
// Content-Type unless the scenario set one. A multipart body's
// boundary is added to a user's multipart Content-Type that lacks one.
// The one-line form sends Content-Type application/json and
// Idempotency-Key. A new map each call: the caller may change it.
func (r *Requests) Header(caller int, try int32) (http.Header, error) {
	lines, err := r.AppendHeader(nil, caller, try)
	h := http.Header{}
	if err != nil {
		return h, err
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(string(lines), "\r\n"), "\r\n") {
		name, value, _ := strings.Cut(line, ": ")
		h[name] = append(h[name], value)
	}
	return h, nil
}

// AppendHeader appends the upload's header lines ("Name: value\r\n", the
// same headers as Header) to dst, for a client that writes the request
// itself. A value that would break the request (a line break or NUL in a
// secret or a variable) is an error, as net/http refuses it.
func (r *Requests) AppendHeader(dst []byte, caller int, try int32) ([]byte, error) {
	var c callCtx
	r.start(&c, caller, try)
	hasType := false
	for _, ht := range r.headers {
		dst = append(append(dst, ht.name...), ": "...)
		from := len(dst)
		for i := range ht.value {
			sg := &ht.value[i]
			if sg.kind == opBodyLength {
				dst = strconv.AppendInt(dst, r.BodyLen(caller, try), 10)
				continue
			}
			dst = append(dst, c.piece(sg)...)
		}
		if bytes.ContainsAny(dst[from:], "\r\n\x00") {
			return dst, fmt.Errorf("header %s: its value holds a line break or NUL", ht.name)
		}
		if ht.name == "Content-Type" {
			hasType = true
			if ct := dst[from:]; r.format == FormatMultipart && bytes.HasPrefix(ct, []byte("multipart/")) && !bytes.Contains(ct, []byte("boundary=")) {
				dst = append(append(dst, "; boundary="...), c.bnd[:]...)
			}
		}
		dst = append(dst, "\r\n"...)
	}
	if !hasType {
		dst = append(append(append(dst, "Content-Type: "...), r.body.contentType(&c)...), "\r\n"...)
	}
	return dst, nil
}

// Body is a new reader of caller's upload body for its try (1-based):
// exactly BodyLen(caller, try) bytes, rendered into the reader's buffer
// record by record. One allocation, whatever the body's size.
func (r *Requests) Body(caller int, try int32) io.Reader {
	s := &bodyStream{}
	r.start(&s.callCtx, caller, try)
	s.plan = &r.body
	s.n = int(s.info.records)
	s.pad = int(s.info.pad)
	s.maxRec = r.body.maxRecord(&s.callCtx)
	return s
}

// Secrets are the values of the ${NAME} secrets the templates use and
// of callers.from's secret columns, each once, never empty: an engine
// redacts them from all it writes.
func (r *Requests) Secrets() []string { return slices.Clone(r.secrets) }

// Redact is s with every secret (Secrets) replaced by [redacted], for
// text that goes into a report, a log line or an error.
func (r *Requests) Redact(s string) string {
	if r.redactor == nil {
		return s
	}
	return r.redactor.Replace(s)
}

// String describes the upload as METHOD path (format), with the path as
// written: no secret can be in it.
func (r *Requests) String() string {
	return fmt.Sprintf("%s %s (%s)", r.method, r.pathText, r.format)
}

// Format prints r as String whatever the verb, so %v, %+v and %#v never
// print the resolved secrets it holds.
func (r *Requests) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }
