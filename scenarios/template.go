package scenarios

import (
	"fmt"
	"slices"
	"strings"
)

// opKind is what one segment of a compiled template writes.
type opKind uint8

// The segment kinds. The ones after opSecret are never parsed from a
// template: NewRequests builds them into a body's plan.
const (
	opLit           opKind = iota // literal bytes
	opCaller                      // {caller}: caller-00042
	opClass                       // {caller.class}
	opRecordID                    // {record.id}: c0000042-r0000017
	opRecordIndex                 // {record.index}: 0-based
	opRecordPayload               // {record.payload}: the seeded filler
	opRecords                     // {records}: the records, comma-separated
	opTry                         // {attempt.try}: 1-based
	opKey                         // {attempt.key}: Caller.IdempotencyKey
	opUploadID                    // {upload.id}
	opBodyLength                  // {body.length}
	opVar                         // {var.NAME}
	opLogin                       // {login.NAME}: saved from the caller's login (flow.go)
	opStep                        // {step.NAME}: saved from an earlier step's answer
	opPartN                       // {part.n}: 1-based
	opPartOffset                  // {part.offset}: the part's first byte in the data
	opPartLength                  // {part.length}
	opUploadLength                // {upload.length}: the caller's data, all parts
	opSecret                      // ${NAME}
	opComma                       // "," before every record but the first
	opBoundary                    // a multipart body's boundary
)

// placeholders are the names a template may put between braces, besides
// var.NAME.
var placeholders = map[string]opKind{
	"caller": opCaller, "caller.class": opClass,
	"record.id": opRecordID, "record.index": opRecordIndex, "record.payload": opRecordPayload,
	"records": opRecords, "attempt.try": opTry, "attempt.key": opKey,
	"upload.id": opUploadID, "body.length": opBodyLength,
	"part.n": opPartN, "part.offset": opPartOffset, "part.length": opPartLength, "upload.length": opUploadLength,
}

// savedPrefixes are the placeholders named by what a flow saved:
// {login.NAME} and {step.NAME}.
var savedPrefixes = map[string]opKind{"login.": opLogin, "step.": opStep}

// placeholderNames is placeholders' keys, sorted, for did-you-mean.
var placeholderNames = func() []string {
	var n []string
	for k := range placeholders {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}()

// segment is one piece of a compiled template: literal bytes or one
// placeholder. Off is where it starts in the template's text, for errors.
type segment struct {
	kind opKind
	lit  []byte // opLit; after NewRequests resolves them, also a secret's value
	name string // opVar, opSecret: NAME
	slot int    // opVar: index into a class's variable values (NewRequests)
	off  int
}

// templateError is one problem of a request template: Path names the
// template (api.upload.headers.Authorization), Offset is the byte offset
// of the problem in it (0 when it is about the whole template). Msg never
// holds a secret's value, only its name.
type templateError struct {
	Path   string
	Offset int
	Msg    string
}

// Error renders the problem as "path: offset N: message".
func (e templateError) Error() string {
	return fmt.Sprintf("%s: offset %d: %s", e.Path, e.Offset, e.Msg)
}

// compile cuts a template into segments, once. A placeholder is "{" + a
// name of [a-z0-9_.] starting with a letter + "}" (or {var.NAME}, whose NAME
// may also hold capitals and dashes); a secret is "${NAME}" with NAME an
// environment variable name. Anything else, such as the braces of JSON
// ({"id":...}), is literal text; there is no escape, since no literal text
// looks like a placeholder by accident. Unknown names are returned as
// errors (Path left empty for the caller to fill), with a did-you-mean;
// their segments are left out.
func compile(s string) ([]segment, []templateError) {
	var segs []segment
	var errs []templateError
	lit := func(from, to int) {
		if from == to {
			return
		}
		if n := len(segs); n > 0 && segs[n-1].kind == opLit && segs[n-1].off+len(segs[n-1].lit) == from {
			segs[n-1].lit = append(segs[n-1].lit, s[from:to]...)
			return
		}
		segs = append(segs, segment{kind: opLit, lit: []byte(s[from:to]), off: from})
	}
	start := 0 // first byte not yet in a segment
	for i := 0; i < len(s); i++ {
		var sg segment
		var end int
		switch {
		case s[i] == '$' && strings.HasPrefix(s[i+1:], "{"):
			name, ok := scanName(s[i+2:], isEnvByte)
			if !ok || !isEnvStart(name[0]) {
				continue
			}
			sg, end = segment{kind: opSecret, name: name, off: i}, i+2+len(name)+1
		case s[i] == '{':
			name, ok := scanPlaceholder(s[i+1:])
			if !ok {
				continue
			}
			end = i + 1 + len(name) + 1
			var e string
			sg, e = placeholder(name, i)
			if e != "" {
				errs = append(errs, templateError{Offset: i, Msg: e})
			}
		default:
			continue
		}
		lit(start, i)
		if sg.kind != opLit {
			segs = append(segs, sg)
		}
		start, i = end, end-1
	}
	lit(start, len(s))
	return segs, errs
}

// placeholder is the segment of {name} at offset off, or a message saying
// why name is not one (the segment is then a zero opLit, left out).
func placeholder(name string, off int) (segment, string) {
	if k, ok := placeholders[name]; ok {
		return segment{kind: k, off: off}, ""
	}
	if v, ok := strings.CutPrefix(name, "var."); ok && v != "" {
		return segment{kind: opVar, name: v, off: off}, ""
	}
	for prefix, k := range savedPrefixes {
		if v, ok := strings.CutPrefix(name, prefix); ok && v != "" {
			return segment{kind: k, name: v, off: off}, ""
		}
	}
	if name == "var" || name == "var." {
		return segment{}, "{" + name + "} needs a variable name: {var.NAME}"
	}
	msg := fmt.Sprintf("unknown placeholder {%s}", name)
	if s := suggest(name, placeholderNames); s != "" {
		return segment{}, msg + "; did you mean {" + s + "}?"
	}
	return segment{}, msg + " (known: {" + strings.Join(placeholderNames, "}, {") + "}, {var.NAME}, {login.NAME}, {step.NAME}, ${ENV})"
}

// scanPlaceholder reads a placeholder's name at the start of s (just after
// its "{"): [a-z][a-z0-9_.]* or var.[A-Za-z0-9_.-]+, then "}".
func scanPlaceholder(s string) (string, bool) {
	if v, ok := strings.CutPrefix(s, "var."); ok {
		if name, ok := scanName(v, isVarByte); ok {
			return "var." + name, true
		}
	}
	name, ok := scanName(s, isIdentByte)
	if !ok || name[0] < 'a' || name[0] > 'z' {
		return "", false
	}
	return name, true
}

// scanName reads a non-empty run of bytes that fit, followed by "}".
func scanName(s string, fits func(byte) bool) (string, bool) {
	n := 0
	for n < len(s) && fits(s[n]) {
		n++
	}
	if n == 0 || n == len(s) || s[n] != '}' {
		return "", false
	}
	return s[:n], true
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func isVarByte(c byte) bool {
	return isIdentByte(c) || c >= 'A' && c <= 'Z' || c == '-'
}

func isEnvByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isEnvStart(c byte) bool { return c < '0' || c > '9' }
