package scenarios

import (
	"maps"
	"slices"
	"strings"
)

// boundaryLen is the length of a multipart boundary: "rehearse-" and 16
// hex digits.
const boundaryLen = 9 + 16

// fileExt names a default file part after its format: {caller}.csv.
var fileExt = map[BodyFormat]string{FormatJSON: "json", FormatNDJSON: "ndjson", FormatCSV: "csv", FormatRaw: "bin"}

// putBoundary writes the boundary of caller's multipart body into b
// (boundaryLen bytes): a function of the seed and the caller only, so the
// same seed gives byte-identical bodies for baseline and candidate. It
// cannot occur in the body: a delimiter is CRLF "--" and 25 bytes that
// records made of ids and base64 filler do not hold after a CRLF.
func putBoundary(b []byte, seed uint64, caller int) {
	x := seed ^ uint64(caller)*0x9e3779b97f4a7c15 ^ 0x6d756c7469706172
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	copy(b, "rehearse-")
	const hex = "0123456789abcdef"
	for i := 24; i >= 9; i-- {
		b[i] = hex[x&15]
		x >>= 4
	}
}

// multipartPlan compiles a multipart/form-data body: the plain fields
// sorted by name, then the file part (name part.field, default file;
// filename part.filename, default {caller}.<ext>; Content-Type
// part.content_type, default the format's) holding the records in
// part.format (default json). checkTemplates made sure b.Part is set.
func (res *resolver) multipartPlan(b Body) bodyPlan {
	p := *b.Part
	f := or(string(p.Format), string(FormatJSON))
	filename := or(p.Filename, "{caller}."+fileExt[BodyFormat(f)])
	ctype := or(p.ContentType, contentTypes[BodyFormat(f)])
	bnd := segment{kind: opBoundary}
	var head []segment
	for _, k := range slices.Sorted(maps.Keys(b.Fields)) {
		head = append(head, lit("--"), bnd, lit("\r\nContent-Disposition: form-data; name=\""+quoteEscaper.Replace(k)+"\"\r\n\r\n"))
		head = append(head, res.compile(b.Fields[k])...)
		head = append(head, lit("\r\n"))
	}
	head = append(head, lit("--"), bnd, lit("\r\nContent-Disposition: form-data; name=\""+
		quoteEscaper.Replace(or(p.Field, "file"))+"\"; filename=\""))
	for _, sg := range res.compile(filename) {
		if sg.kind == opLit {
			sg.lit = []byte(quoteEscaper.Replace(string(sg.lit)))
		}
		head = append(head, sg)
	}
	head = append(head, lit("\"\r\nContent-Type: "+ctype+"\r\n\r\n"))
	ihead, rec, itail := res.records(b, BodyFormat(f))
	head = append(head, ihead...)
	tail := append(slices.Clip(itail), lit("\r\n--"), bnd, lit("--\r\n"))
	return bodyPlan{head: head, rec: rec, tail: tail, multipart: true}
}

// quoteEscaper escapes a quoted Content-Disposition parameter, as
// mime/multipart does.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

// lit is a literal segment.
func lit(s string) segment { return segment{kind: opLit, lit: []byte(s)} }
