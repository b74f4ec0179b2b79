package scenarios

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// allowSet is the set of segment kinds a template may hold, one bit per
// opKind.
type allowSet uint32

func allow(kinds ...opKind) allowSet {
	var a allowSet
	for _, k := range kinds {
		a |= 1 << k
	}
	return a
}

func (a allowSet) has(k opKind) bool { return a&(1<<k) != 0 }

// Where each placeholder may go. Caller- and attempt-level ones fit
// anywhere an attempt is being sent; record-level ones only in the record;
// status and verify reads are not attempts, so they know no attempt.
var (
	allowAttempt  = allow(opLit, opCaller, opClass, opVar, opTry, opKey)
	allowPath     = allowAttempt | allow(opLogin)
	allowHeader   = allowAttempt | allow(opBodyLength, opSecret, opLogin)
	allowRecord   = allowAttempt | allow(opRecordID, opRecordIndex, opRecordPayload)
	allowEnvelope = allowAttempt | allow(opRecords)
	allowField    = allowAttempt | allow(opSecret)
	allowStatus   = allow(opLit, opCaller, opClass, opVar, opUploadID, opLogin, opStep)
	allowVerify   = allow(opLit, opCaller, opClass, opVar, opLogin)
	// api.headers go on reads too, which know no attempt and no upload.
	allowCommon       = allow(opLit, opCaller, opClass, opVar, opSecret, opLogin)
	allowStatusHeader = allowCommon | allow(opUploadID, opStep)
	// A login knows the caller only; a step knows what earlier steps
	// saved, and a parts step its part.
	allowLoginPath  = allow(opLit, opCaller, opClass, opVar)
	allowLoginField = allowLoginPath | allow(opSecret)
	allowStepPath   = allowPath | allow(opStep, opUploadLength)
	allowStepHeader = allowHeader | allow(opStep, opUploadLength)
	allowPart       = allow(opPartN, opPartOffset, opPartLength)
)

// templateSource is one template of a scenario: where it is, its text
// and what it may hold; header is the header's name for a header's value.
type templateSource struct {
	path   string
	text   string
	allow  allowSet
	header string
	// step is 1 + the index of the upload step the template is in, 0
	// outside the steps; a status template sees every step (stepAll).
	step int
}

// stepAll marks a template that sees what every step saved (the status
// poll's, after the upload).
const stepAll = 1 << 20

// templateSources lists every template of s in a fixed order (maps by
// sorted key), each once. Empty ones are left out.
func templateSources(s *Scenario) []templateSource {
	u, b := s.API.Upload, s.API.Upload.Body
	src := []templateSource{{path: "api.upload.path", text: u.Path, allow: allowPath}}
	src = appendHeaderSources(src, "api.headers", s.API.Headers, allowCommon)
	src = appendHeaderSources(src, "api.upload.headers", u.Headers, allowHeader)
	src = append(src,
		templateSource{path: "api.upload.body.record", text: b.Record, allow: allowRecord},
		templateSource{path: "api.upload.body.envelope", text: b.Envelope, allow: allowEnvelope},
		templateSource{path: "api.upload.body.csv_header", text: b.CSVHeader, allow: allowAttempt})
	if b.Part != nil {
		src = append(src, templateSource{path: "api.upload.body.part.filename", text: b.Part.Filename, allow: allowAttempt})
	}
	for _, k := range slices.Sorted(maps.Keys(b.Fields)) {
		src = append(src, templateSource{path: "api.upload.body.fields." + k, text: b.Fields[k], allow: allowField})
	}
	src = append(src, flowSources(s)...)
	if st := s.API.Status; st != nil {
		src = append(src, templateSource{path: "api.status.path", text: st.Path, allow: allowStatus, step: stepAll})
		for _, h := range appendHeaderSources(nil, "api.status.headers", st.Headers, allowStatusHeader) {
			h.step = stepAll
			src = append(src, h)
		}
	}
	if li := s.API.List; li != nil {
		src = append(src, templateSource{path: "api.list", text: li.Path, allow: allowVerify})
		src = appendHeaderSources(src, "api.list.headers", li.Headers, allowCommon)
	}
	if v := s.API.Verify; v != nil {
		src = append(src, templateSource{path: "api.verify.path", text: v.Path, allow: allowVerify})
		src = appendHeaderSources(src, "api.verify.headers", v.Headers, allowCommon)
	}
	if d := s.Data; d != nil && d.Preload != nil {
		src = appendHeaderSources(src, "data.preload.headers", d.Preload.Headers, allowCommon)
	}
	return slices.DeleteFunc(src, func(t templateSource) bool { return t.text == "" && t.header == "" })
}

// appendHeaderSources appends the header templates hs found at path, by
// sorted name.
func appendHeaderSources(src []templateSource, path string, hs map[string]string, a allowSet) []templateSource {
	for _, k := range slices.Sorted(maps.Keys(hs)) {
		src = append(src, templateSource{path: path + "." + k, text: hs[k], allow: a, header: k})
	}
	return src
}

// checkTemplates reports every problem of s's request templates at once,
// in the order of templateSources: unknown placeholders (with a
// did-you-mean), placeholders where they cannot be filled, a body's
// format and its parts that do not fit together, an envelope without
// {records}, ${NAME} secrets not set in lookupEnv (os.LookupEnv when nil;
// the message names NAME, never a value) and {var.NAME} not defined for
// some caller class. It runs after applyDefaults; nil means NewRequests
// will succeed on the templates.
func checkTemplates(s *Scenario, lookupEnv func(string) (string, bool)) []templateError {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	errs := checkBodyShape(s.API.Upload.Body)
	vars := map[string]bool{} // checked already
	for _, t := range templateSources(s) {
		segs, es := compile(t.text)
		for _, e := range es {
			errs = append(errs, templateError{Path: t.path, Offset: e.Offset, Msg: e.Msg})
		}
		add := func(off int, format string, args ...any) {
			errs = append(errs, templateError{Path: t.path, Offset: off, Msg: fmt.Sprintf(format, args...)})
		}
		records := 0
		for _, sg := range segs {
			if !t.allow.has(sg.kind) {
				add(sg.off, "%s", notAllowed(sg))
				continue
			}
			switch sg.kind {
			case opRecords:
				if records++; records == 2 {
					add(sg.off, "{records} may appear once")
				}
			case opSecret:
				checkSecret(sg, t.header != "", lookupEnv, add)
			case opLogin, opStep:
				checkSaved(s, t, sg, add)
			case opVar:
				if s.Callers.isSecretVar(sg.name) && !t.allow.has(opSecret) {
					add(sg.off, "{var.%s} is a secret column of callers.from: it may go in headers and multipart fields only, so it never reaches a URL or a stored file", sg.name)
				}
				if !vars[sg.name] {
					vars[sg.name] = true
					checkVar(s.Callers, sg, add)
				}
			}
		}
		if t.path == "api.upload.body.envelope" && records == 0 && innerFormat(s.API.Upload.Body) == FormatJSON {
			add(0, "an envelope needs {records}, where the records go")
		}
		if t.header != "" {
			checkHeader(t.header, t.text, add)
		}
	}
	return errs
}

// notAllowed says why sg cannot be filled where it is.
func notAllowed(sg segment) string {
	switch sg.kind {
	case opRecordID, opRecordIndex, opRecordPayload:
		return fmt.Sprintf("{%s} is a record's: it may go in body.record only", placeholderName(sg.kind))
	case opRecords:
		return "{records} may go in body.envelope only (of a json body)"
	case opUploadID:
		return "{upload.id} may go in api.status.path only"
	case opBodyLength:
		return "{body.length} may go in headers only"
	case opTry, opKey:
		return fmt.Sprintf("{%s} is not known here: status and verify reads are not upload attempts", placeholderName(sg.kind))
	case opSecret:
		return "${" + sg.name + "} secrets may go in headers and multipart fields only, so they never reach a URL or a stored file name"
	case opLogin:
		return "{login." + sg.name + "} is not known here: a login's own request comes before its answer"
	case opStep:
		return "{step." + sg.name + "} may go in the upload's steps and api.status only"
	case opPartN, opPartOffset, opPartLength:
		return fmt.Sprintf("{%s} may go in the path and headers of a step with parts only", placeholderName(sg.kind))
	case opUploadLength:
		return "{upload.length} may go in the path and headers of the upload's steps only"
	}
	return "not allowed here"
}

// placeholderName is the name of a placeholder kind, as written.
func placeholderName(k opKind) string {
	for n, kk := range placeholders {
		if kk == k {
			return n
		}
	}
	return "?"
}

// checkSecret reports a secret that is not set, or one that cannot go in
// the header at path. It names the variable and never reads out its value.
func checkSecret(sg segment, header bool, lookupEnv func(string) (string, bool), add func(int, string, ...any)) {
	v, ok := lookupEnv(sg.name)
	switch {
	case !ok:
		add(sg.off, "${%s} is not set in the environment", sg.name)
	case strings.ContainsAny(v, "\r\n") && header:
		add(sg.off, "${%s} holds a line break, which cannot go in a header", sg.name)
	}
}

// checkVar reports {var.NAME} for every caller class that does not define
// NAME, in callers.vars or its own vars.
func checkVar(c Callers, sg segment, add func(int, string, ...any)) {
	if _, ok := c.Vars[sg.name]; ok || c.hasColumn(sg.name) {
		return
	}
	if c.From != nil && c.From.table == nil {
		return // the file could not be read: that is the problem reported
	}
	if len(c.Classes) == 0 {
		add(sg.off, "{var.%s} is not defined: set it in callers.vars or add a column to callers.from", sg.name)
		return
	}
	for i, cl := range c.Classes {
		if _, ok := cl.Vars[sg.name]; !ok {
			add(sg.off, "{var.%s} is not defined for class %s: set it in callers.vars or callers.classes[%d].vars", sg.name, cl.Name, i)
		}
	}
}

// checkHeader reports a header name that is not an HTTP token and a line
// break in a header's text.
func checkHeader(name, text string, add func(int, string, ...any)) {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !isTokenRune(r) }) >= 0 {
		add(0, "%q is not a header name (letters, digits and !#$%%&'*+-.^_`|~)", name)
	}
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		add(i, "a header cannot hold a line break")
	}
	for _, own := range framingHeaders {
		if strings.EqualFold(name, own) {
			add(0, "%s is rehearse's to send: it frames the request from the body and the target%s", own, framingKey[own])
		}
	}
}

// framingHeaders are the headers the storm's client writes itself (the
// body's length, the connection, the target's host): a template's would
// contradict them on the wire.
var framingHeaders = []string{"Content-Length", "Transfer-Encoding", "Connection", "Host", "Expect", "Upgrade"}

// framingKey says which key asks rehearse for a framing header.
var framingKey = map[string]string{
	"Transfer-Encoding": " (body.chunked: true sends it)",
	"Expect":            " (api.upload.expect_continue sends it)",
}

func isTokenRune(r rune) bool {
	return r < 127 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// bodyFormats are the formats a body may name; a file part may name all
// but multipart.
var bodyFormats = []BodyFormat{FormatJSON, FormatNDJSON, FormatCSV, FormatMultipart, FormatRaw}

// innerFormat is the format of b's records: the file part's for a
// multipart body, else b's own; "" counts as json.
func innerFormat(b Body) BodyFormat {
	f := b.Format
	if f == FormatMultipart && b.Part != nil {
		f = b.Part.Format
	}
	if f == "" {
		f = FormatJSON
	}
	return f
}

// checkBodyShape reports a format that is unknown and the parts of b
// that do not fit its format: a multipart body without a file part, a
// file part that is multipart, an envelope outside json, and the like.
func checkBodyShape(b Body) []templateError {
	var errs []templateError
	add := func(path, format string, args ...any) {
		errs = append(errs, templateError{Path: "api.upload.body" + path, Msg: fmt.Sprintf(format, args...)})
	}
	if b.Format != "" && !slices.Contains(bodyFormats, b.Format) {
		add(".format", "must be json, ndjson, csv, multipart or raw, got %q", b.Format)
	}
	if b.Format == FormatMultipart {
		switch {
		case b.Part == nil:
			add("", "a multipart body needs a file part: body.part")
		case b.Part.Format == FormatMultipart:
			add(".part.format", "a file part cannot be multipart itself: json, ndjson, csv or raw")
		case b.Part.Format != "" && !slices.Contains(bodyFormats, b.Part.Format):
			add(".part.format", "must be json, ndjson, csv or raw, got %q", b.Part.Format)
		}
	} else {
		if b.Part != nil {
			add(".part", "a file part is for format multipart only")
		}
		if len(b.Fields) > 0 {
			add(".fields", "form fields are for format multipart only")
		}
	}
	f := innerFormat(b)
	if b.Envelope != "" && f != FormatJSON {
		add(".envelope", "an envelope wraps json records only, not %s", f)
	}
	if b.CSVHeader != "" && f != FormatCSV {
		add(".csv_header", "a header line is for csv records only, not %s", f)
	}
	if b.Record != "" && f == FormatRaw {
		add(".record", "a raw body is seeded bytes only: a record template has no place in it")
	}
	return errs
}
