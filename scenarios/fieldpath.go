package scenarios

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// FieldPath is where a value sits in a JSON answer, written with dots
// between object keys ("status", "job.id", "data.state") and [] after a key
// whose value is an array to mean every element of it ("records[].id"; "[]"
// first for an answer that is itself an array: "[].id"). It is parsed once
// when the scenario loads (status.id_field, status_field, verify.ids_field)
// and read per answer without allocating for the dotted form. The zero
// FieldPath is the document itself.
type FieldPath struct {
	steps []pathStep
}

// pathStep is one step of a FieldPath: into the object key, or, when each
// is set, into every element of an array.
type pathStep struct {
	key  string
	each bool
}

// ParseFieldPath reads a field path such as "job.id" or "records[].id".
// A name is any text without '.', '[', ']' or white space; an empty name
// (a leading, trailing or doubled dot) and any bracket but [] are errors,
// in the user's words.
func ParseFieldPath(s string) (FieldPath, error) {
	if s == "" {
		return FieldPath{}, fmt.Errorf("empty field path (want e.g. job.id or records[].id)")
	}
	var p FieldPath
	for i, seg := range strings.Split(s, ".") {
		name, brackets := seg, ""
		if j := strings.IndexByte(seg, '['); j >= 0 {
			name, brackets = seg[:j], seg[j:]
		}
		if name == "" && (i > 0 || brackets == "") {
			return FieldPath{}, fmt.Errorf("field path %q: a name is missing around a dot (want e.g. job.id)", s)
		}
		if j := strings.IndexFunc(name, badNameRune); j >= 0 {
			return FieldPath{}, fmt.Errorf("field path %q: %q may not hold %q (want names joined by dots, [] for every element)", s, seg, name[j:j+1])
		}
		if name != "" {
			p.steps = append(p.steps, pathStep{key: name})
		}
		for rest := brackets; rest != ""; rest = rest[2:] {
			if !strings.HasPrefix(rest, "[]") {
				return FieldPath{}, fmt.Errorf("field path %q: only [] (every element) may follow a name, got %s", s, brackets)
			}
			p.steps = append(p.steps, pathStep{each: true})
		}
	}
	return p, nil
}

// badNameRune is a character a name in a field path may not hold.
func badNameRune(r rune) bool {
	return r == ']' || unicode.IsSpace(r)
}

// String is the path as ParseFieldPath reads it back: "records[].id".
func (p FieldPath) String() string {
	var b strings.Builder
	for i, st := range p.steps {
		switch {
		case st.each:
			b.WriteString("[]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(st.key)
		}
	}
	return b.String()
}

// IsList reports whether p has a [] and so names many values (Values).
func (p FieldPath) IsList() bool {
	for _, st := range p.steps {
		if st.each {
			return true
		}
	}
	return false
}

// Value is the scalar at p in doc, a JSON document decoded by
// encoding/json (with UseNumber): a string as is, a number as written, a
// bool as true or false. It is false when a key is missing, when the value
// is null, an object or an array, and for a path with [] (use Values).
func (p FieldPath) Value(doc any) (string, bool) {
	for _, st := range p.steps {
		m, ok := doc.(map[string]any)
		if st.each || !ok {
			return "", false
		}
		if doc, ok = m[st.key]; !ok {
			return "", false
		}
	}
	return scalarText(doc)
}

// Values are the scalars at p in doc, in document order: every element of
// each array a [] names. Elements without a scalar there (missing, null, an
// object, an array) are left out; nil when there is none. For a path
// without [] it is Value as a list of one, or nil.
func (p FieldPath) Values(doc any) []string {
	return collect(p.steps, doc, nil)
}

// collect appends the scalars that steps reach from doc to out.
func collect(steps []pathStep, doc any, out []string) []string {
	for i, st := range steps {
		if st.each {
			list, _ := doc.([]any)
			for _, el := range list {
				out = collect(steps[i+1:], el, out)
			}
			return out
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return out
		}
		if doc, ok = m[st.key]; !ok {
			return out
		}
	}
	if s, ok := scalarText(doc); ok {
		out = append(out, s)
	}
	return out
}

// scalarText is v as text when it is a JSON string, number or bool. A
// float64 (a document decoded without UseNumber) is written in its
// shortest form, 42 rather than 4.2e+01.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// Present reports whether doc has the shape p names down to its first []:
// every key there exists and holds an array. An empty list is present; a
// missing key, null, or a value of another kind is not — so a listing
// that holds no records is told apart from one the mapping cannot read.
// For a path without [] it is whether Value finds a scalar.
func (p FieldPath) Present(doc any) bool {
	for _, st := range p.steps {
		if st.each {
			_, ok := doc.([]any)
			return ok
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return false
		}
		if doc, ok = m[st.key]; !ok {
			return false
		}
	}
	_, ok := scalarText(doc)
	return ok
}
