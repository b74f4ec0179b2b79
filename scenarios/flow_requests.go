package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Call is one request of a caller's flow besides a one-request upload — a
// login, a step, a part — rendered whole but for its body, which streams.
type Call struct {
	Method string
	// Path is the path and query, escaped; or an absolute URL when the
	// step's path is a saved Location (tus answers its create so).
	Path string
	// Header is the request's header lines ("Name: value\r\n"), its
	// Content-Type included when it has a body; never Host, User-Agent or
	// the body's framing, which the client writes.
	Header []byte
	// Body makes a new reader of the body, each time the request is
	// written (a redirect's 307 writes it again); nil: no body.
	Body          func() io.Reader
	BodyLen       int64
	SetsUserAgent bool
}

// PartRange is one part of a caller's data: its number from 1, and where
// it lies in the data. The zero PartRange is no part.
type PartRange struct {
	N, Offset, Length int64
}

// callPlan is a login or a step compiled: its method, path, headers
// (api.headers and the upload's under its own) and body.
type callPlan struct {
	method  string
	path    []segment
	headers []headerTemplate
	body    *bodyPlan   // a step's records body; nil for none (or the data, when parts)
	fields  *fieldsPlan // a login's fields
	parts   *Parts
	saves   []Save
	ownUA   bool
}

// fieldsPlan is a FieldsBody compiled: its fields by sorted name.
type fieldsPlan struct {
	json   bool
	names  []string
	values [][]segment
}

// compileFlow compiles s's login and steps into r: each step's body, and
// the data the parts step sends (its own body, else api.upload.body).
func (res *resolver) compileFlow(s *Scenario) {
	r := res.r
	if l := s.API.Login; l != nil {
		common := map[string]string{}
		for k, v := range s.API.Headers {
			if !strings.Contains(v, "{login.") { // a login does not have its own token yet
				common[k] = v
			}
		}
		p := &callPlan{method: l.Method, path: res.compile(l.Path), headers: res.headerList(common, l.Headers), saves: parseSaves(l.Save)}
		if b := l.Body; b != nil {
			fp := &fieldsPlan{json: b.Format == FieldsJSON}
			for _, k := range slices.Sorted(maps.Keys(b.Fields)) {
				fp.names, fp.values = append(fp.names, k), append(fp.values, res.compile(b.Fields[k]))
			}
			p.fields = fp
		}
		r.login = p
	}
	up := s.API.Upload
	for _, st := range up.Steps {
		p := callPlan{method: st.Method, path: res.compile(st.Path), saves: parseSaves(st.Save), parts: st.Parts}
		p.headers = res.headerList(mergeHeaders(s.API.Headers, up.Headers), st.Headers)
		if st.Body != nil {
			bp, _ := res.bodyPlan(*st.Body)
			p.body = &bp
		}
		if st.Parts != nil {
			r.data = p.body
			if r.data == nil {
				r.data = &r.body
			}
			p.body = nil
		}
		r.steps = append(r.steps, p)
	}
	if r.login != nil {
		r.login.ownUA = hasHeader(r.login.headers, "User-Agent")
	}
	for i := range r.steps {
		r.steps[i].ownUA = hasHeader(r.steps[i].headers, "User-Agent")
	}
}

// mergeHeaders is base overlaid with over, names compared as canonical.
func mergeHeaders(base, over map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range over {
		for kk := range out {
			if strings.EqualFold(kk, k) {
				delete(out, kk)
			}
		}
		out[k] = v
	}
	return out
}

func hasHeader(hs []headerTemplate, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.name, name) {
			return true
		}
	}
	return false
}

// HasLogin reports whether the callers log in (api.login).
func (r *Requests) HasLogin() bool { return r.login != nil }

// LoginSaves are what a login keeps of its answer.
func (r *Requests) LoginSaves() []Save { return r.login.saves }

// Steps is how many steps the upload has; 0 for a one-request upload.
func (r *Requests) Steps() int { return len(r.steps) }

// StepSaves are what step i keeps of its answer.
func (r *Requests) StepSaves(i int) []Save { return r.steps[i].saves }

// StepParts is step i's parts, nil when it sends no data in parts.
func (r *Requests) StepParts(i int) *Parts { return r.steps[i].parts }

// StepName is step i as written, METHOD path, for reports: no secret is
// in a path.
func (r *Requests) StepName(i int) string {
	p := r.steps[i]
	var b strings.Builder
	for _, sg := range p.path {
		if sg.kind == opLit {
			b.Write(sg.lit)
		} else {
			b.WriteString("{" + segmentName(sg) + "}")
		}
	}
	return p.method + " " + b.String()
}

// segmentName is a placeholder's name as written, without its braces.
func segmentName(sg segment) string {
	switch sg.kind {
	case opVar:
		return "var." + sg.name
	case opLogin:
		return "login." + sg.name
	case opStep:
		return "step." + sg.name
	}
	return placeholderName(sg.kind)
}

// DataLen is the length of the caller's data that a parts step sends
// (its padding included), 0 when no step sends parts.
func (r *Requests) DataLen(caller int, try int32) int64 {
	if r.data == nil {
		return 0
	}
	var c callCtx
	r.start(&c, caller, try)
	return r.planLen(r.data, &c, int64(c.info.records)) + int64(c.info.pad)
}

// LoginCall renders caller's login request.
func (r *Requests) LoginCall(caller int) Call {
	var c callCtx
	r.start(&c, caller, 0)
	p := r.login
	call := Call{Method: p.method, Path: c.renderPath(p.path, ""), SetsUserAgent: p.ownUA}
	ctype := ""
	if p.fields != nil {
		body := p.fields.render(&c)
		call.Body = func() io.Reader { return bytes.NewReader(body) }
		call.BodyLen = int64(len(body))
		ctype = "application/x-www-form-urlencoded"
		if p.fields.json {
			ctype = "application/json"
		}
	}
	call.Header = c.appendHeaders(nil, p.headers, call.BodyLen, ctype)
	return call
}

// StepCall renders step i of caller's upload for its try; part is the
// part it sends when the step has parts.
func (r *Requests) StepCall(i, caller int, try int32, part PartRange) Call {
	var c callCtx
	r.start(&c, caller, try)
	c.part = part
	p := &r.steps[i]
	call := Call{Method: p.method, Path: c.renderPath(p.path, ""), SetsUserAgent: p.ownUA}
	ctype := ""
	switch {
	case p.parts != nil:
		call.Body = func() io.Reader {
			return &partReader{src: r.stream(r.data, caller, try, true), skip: part.Offset, n: part.Length}
		}
		call.BodyLen = part.Length
		ctype = r.data.contentType(&c)
	case p.body != nil:
		call.Body = func() io.Reader { return r.stream(p.body, caller, try, false) }
		call.BodyLen = r.planLen(p.body, &c, int64(c.info.records))
		ctype = p.body.contentType(&c)
	}
	call.Header = c.appendHeaders(nil, p.headers, call.BodyLen, ctype)
	return call
}

// appendHeaders renders hs as header lines, {body.length} as bodyLen,
// and a Content-Type of ctype when hs set none and ctype is not "". A
// value with a line break (a secret's, a saved field's) is left out.
func (c *callCtx) appendHeaders(dst []byte, hs []headerTemplate, bodyLen int64, ctype string) []byte {
	hasType := false
	for _, ht := range hs {
		from := len(dst)
		dst = append(append(dst, ht.name...), ": "...)
		val := len(dst)
		for i := range ht.value {
			if sg := &ht.value[i]; sg.kind == opBodyLength {
				dst = strconv.AppendInt(dst, bodyLen, 10)
			} else {
				dst = append(dst, c.piece(sg)...)
			}
		}
		if bytes.ContainsAny(dst[val:], "\r\n\x00") {
			dst = dst[:from]
			continue
		}
		hasType = hasType || ht.name == "Content-Type"
		dst = append(dst, "\r\n"...)
	}
	if !hasType && ctype != "" {
		dst = append(append(append(dst, "Content-Type: "...), ctype...), "\r\n"...)
	}
	return dst
}

// render is the fields' body for c: form-encoded, or a JSON object of
// strings.
func (fp *fieldsPlan) render(c *callCtx) []byte {
	var b []byte
	if fp.json {
		b = append(b, '{')
	}
	for i, name := range fp.names {
		var v []byte
		for j := range fp.values[i] {
			v = append(v, c.piece(&fp.values[i][j])...)
		}
		switch {
		case fp.json:
			if i > 0 {
				b = append(b, ',')
			}
			k, _ := json.Marshal(name)
			s, _ := json.Marshal(string(v))
			b = append(append(append(b, k...), ':'), s...)
		default:
			if i > 0 {
				b = append(b, '&')
			}
			b = append(append(append(b, url.QueryEscape(name)...), '='), url.QueryEscape(string(v))...)
		}
	}
	if fp.json {
		b = append(b, '}')
	}
	return b
}

// stream is a reader of plan's body for caller's try, padded to a
// replayed upload's logged size when pad.
func (r *Requests) stream(plan *bodyPlan, caller int, try int32, pad bool) *bodyStream {
	s := &bodyStream{}
	r.start(&s.callCtx, caller, try)
	s.plan = plan
	s.n = int(s.info.records)
	if pad {
		s.pad = int(s.info.pad)
	}
	s.maxRec = plan.maxRecord(&s.callCtx)
	return s
}

// partReader is the bytes [skip, skip+n) of src: one part of the data.
// The data is rendered from its start each time — a part is not stored
// anywhere — so sending k parts renders about k²/2 parts' bytes; at the
// gigabytes a second the renderer writes, that is the price of holding
// no upload in memory.
type partReader struct {
	src  io.Reader
	skip int64
	n    int64
}

func (p *partReader) Read(b []byte) (int, error) {
	if p.skip > 0 {
		if _, err := io.CopyN(io.Discard, p.src, p.skip); err != nil {
			return 0, fmt.Errorf("a part beyond the data's end: %w", err)
		}
		p.skip = 0
	}
	if p.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	k, err := p.src.Read(b)
	p.n -= int64(k)
	if err == io.EOF && p.n > 0 {
		return k, io.ErrUnexpectedEOF
	}
	if p.n == 0 {
		err = io.EOF
	}
	return k, err
}
