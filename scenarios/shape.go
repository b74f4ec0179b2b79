package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// checkShape walks the parsed YAML against the model's Go types, by their
// yaml tags, and returns every unknown key and every value of the wrong kind
// at once (*FieldError, in document order), each at its own line and column
// and in the user's words: "seed: want an integer, got "abc"". The YAML
// library's strict decoder stops at the first unknown key and speaks of Go
// types, so Parse runs this walk first and decodes only when it found
// nothing. It is as lenient as the decoder where the decoder is sensible (a
// quoted "42" is an integer) and stricter where it is not (1.5 is not).
func checkShape(file string, f *ast.File) []error {
	w := &shapeWalker{file: file}
	for _, doc := range f.Docs {
		w.node(doc.Body, reflect.TypeFor[Scenario](), "")
	}
	return w.errs
}

// shapeWalker collects the problems checkShape finds.
type shapeWalker struct {
	file string
	errs []error
}

// fail records a problem of the node n at path.
func (w *shapeWalker) fail(n ast.Node, path, hint, format string, args ...any) {
	fe := &FieldError{File: w.file, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if tok := n.GetToken(); tok != nil {
		fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
	}
	w.errs = append(w.errs, fe)
}

// node checks n against the Go type t. An empty value (null, or nothing
// after the colon) fits every type: it leaves the field at its zero value.
// An alias is not followed; its anchor is checked where it is defined.
func (w *shapeWalker) node(n ast.Node, t reflect.Type, path string) {
	n = unwrap(n)
	switch n.(type) {
	case nil, *ast.NullNode, *ast.CommentGroupNode, *ast.AliasNode:
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if w.custom(n, t, path) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		w.mapping(n, t, path)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			w.fail(n, path, "", "want a list, got %s", describe(n))
			return
		}
		for i, v := range seq.Values {
			w.node(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		m, ok := n.(ast.MapNode)
		if !ok {
			w.fail(n, path, "", "want a mapping (key: value), got %s", describe(n))
			return
		}
		for it := m.MapRange(); it.Next(); {
			w.node(it.Value(), t.Elem(), join(path, keyName(it.Key())))
		}
	default:
		w.scalar(n, t, path)
	}
}

// mapping checks a mapping against the struct t: each key must name one of
// its yaml fields, with a "did you mean" for a near miss.
func (w *shapeWalker) mapping(n ast.Node, t reflect.Type, path string) {
	m, ok := n.(ast.MapNode)
	if !ok {
		w.fail(n, path, "", "want a mapping (key: value), got %s", describe(n))
		return
	}
	fields, known := yamlFields(t)
	for it := m.MapRange(); it.Next(); {
		k := it.Key()
		if _, merge := k.(*ast.MergeKeyNode); merge {
			continue // "<<: *anchor": the anchor is checked where it is defined
		}
		name := keyName(k)
		f, ok := fields[name]
		if !ok {
			hint, s := "known keys here: "+strings.Join(known, ", "), suggest(name, known)
			if s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			w.fail(k, join(path, name), hint, "unknown key")
			if s != "" {
				w.errs[len(w.errs)-1].(*FieldError).meant = join(path, s)
			}
			continue
		}
		w.node(it.Value(), f.Type, join(path, name))
	}
}

// scalar checks a plain value against the kind of t.
func (w *shapeWalker) scalar(n ast.Node, t reflect.Type, path string) {
	switch t.Kind() {
	case reflect.String:
		if !isScalar(n) {
			w.fail(n, path, "", "want a string, got %s", describe(n))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, ok := intValue(n, t.Bits()); ok {
			break
		}
		if f, ok := floatValue(n); ok && f == math.Trunc(f) {
			hi := int64(1)<<(t.Bits()-1) - 1
			w.fail(n, path, "", "want an integer between %d and %d, got %s", -hi-1, hi, scalar(n))
			break
		}
		w.fail(n, path, "", "want an integer, got %s", describe(n))
	case reflect.Float32, reflect.Float64:
		if _, ok := floatValue(n); !ok {
			w.fail(n, path, "", "want a number, got %s", describe(n))
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			w.fail(n, path, "", "want true or false, got %s", describe(n))
		}
	}
}

// custom checks the types that read themselves (yaml.go), in the words of
// what they accept; it reports false for any other type.
func (w *shapeWalker) custom(n ast.Node, t reflect.Type, path string) bool {
	switch t {
	case reflect.TypeFor[Duration]():
		if _, err := time.ParseDuration(scalar(n)); err != nil || !isScalar(n) {
			w.fail(n, path, "", "want a duration such as 30s, 1m30s or 500ms, got %s", describe(n))
		}
	case reflect.TypeFor[ByteSize]():
		if _, err := parseByteSize(scalar(n)); err != nil || !isScalar(n) {
			w.fail(n, path, "", "want a size such as 256MiB, 1GiB or 512MB, got %s", describe(n))
		}
	case reflect.TypeFor[Distribution]():
		if _, ok := n.(ast.MapNode); ok {
			w.mapping(n, reflect.TypeFor[distributionShape](), path)
		} else if _, ok := intValue(n, 64); !ok {
			w.fail(n, path, "", "want a number of records or {median, p99, max}, got %s", describe(n))
		}
	case reflect.TypeFor[Gate]():
		if m, ok := n.(ast.MapNode); ok && gateMapping(m) {
			w.mapping(n, reflect.TypeFor[gateShape](), path)
		} else if !isScalar(n) {
			w.fail(n, path, "", `want a gate such as "p99_ms < 2000" or {gate: "error_rate[last 10s] < 0.05", abort: true}, got %s`, describe(n))
		}
	case reflect.TypeFor[Upload]():
		if _, ok := n.(ast.MapNode); ok {
			w.mapping(n, t, path)
		} else if !isScalar(n) {
			w.fail(n, path, "", `want "METHOD /path" or {method, path, headers, body}, got %s`, describe(n))
		}
	case reflect.TypeFor[List]():
		if _, ok := n.(ast.MapNode); ok {
			w.mapping(n, t, path)
		} else if !isScalar(n) {
			w.fail(n, path, "", `want "GET /path" or {path, headers}, got %s`, describe(n))
		}
	case reflect.TypeFor[Condition]():
		if !isScalar(n) {
			w.fail(n, path, "", `want a condition such as 'state == "finished"', got %s`, describe(n))
		}
	case reflect.TypeFor[DataVerify]():
		w.verifyPoints(n, path)
	case reflect.TypeFor[Tolerance]():
		if _, err := parseTolerance(scalar(n)); err != nil || !isScalar(n) {
			w.fail(n, path, "", "want a number in the metric's unit or a percentage such as 10%%, got %s", describe(n))
		}
	case reflect.TypeFor[Budget]():
		if _, ok := floatValue(n); !ok && (scalar(n) != "none" || !isScalar(n)) {
			w.fail(n, path, "", "want a fraction of first attempts such as 0.2, or none, got %s", describe(n))
		}
	default:
		return false
	}
	return true
}

// verifyPoints checks data.verify: one point or a list of them.
func (w *shapeWalker) verifyPoints(n ast.Node, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		if !isScalar(n) {
			w.fail(n, path, "", "want after_upgrade, end or a list of them, got %s", describe(n))
		}
		return
	}
	for i, v := range seq.Values {
		if !isScalar(unwrap(v)) {
			w.fail(v, fmt.Sprintf("%s[%d]", path, i), "", "want after_upgrade or end, got %s", describe(v))
		}
	}
}

// yamlFields maps the yaml keys of struct t to its fields, and lists the
// keys in declaration order for hints.
func yamlFields(t reflect.Type) (map[string]reflect.StructField, []string) {
	fields := map[string]reflect.StructField{}
	var known []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = f
		known = append(known, name)
	}
	return fields, known
}

// unwrap looks through anchors (&a) and tags (!!str) to the value.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// keyName is a mapping key as written.
func keyName(k ast.Node) string {
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	return scalar(unwrap(k))
}

// join appends key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// isScalar reports whether n is a single value, not a list or a mapping.
func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.SequenceNode, *ast.MappingNode, *ast.MappingValueNode:
		return false
	}
	return true
}

// intValue reads n as an integer of the given bit size: a YAML integer, a
// float with no fraction (1e3), or a quoted one ("42"), as the decoder does.
func intValue(n ast.Node, bits int) (int64, bool) {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.StringNode:
	default:
		return 0, false
	}
	s := strings.ReplaceAll(scalar(n), "_", "")
	if v, err := strconv.ParseInt(s, 0, bits); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= math.Ldexp(1, bits-1) {
		return 0, false
	}
	return int64(f), true
}

// floatValue reads n as a number: a YAML integer or float, or a quoted one.
func floatValue(n ast.Node) (float64, bool) {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.StringNode:
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(scalar(n), "_", ""), 64)
	return f, err == nil
}

// describe names what the user wrote: a quoted string, a number as written,
// "a list" or "a mapping".
func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.StringNode, *ast.LiteralNode:
		return strconv.Quote(scalar(n))
	}
	return scalar(n)
}

// gateMapping reports whether m is meant as the mapping form of a gate:
// it has a gate key. Any other mapping ({crashes: 0}) is not a gate at
// all, and is told so in one sentence.
func gateMapping(m ast.MapNode) bool {
	for it := m.MapRange(); it.Next(); {
		if keyName(it.Key()) == "gate" {
			return true
		}
	}
	return false
}
