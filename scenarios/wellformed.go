package scenarios

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// valueErrorsBeside returns the value errors (validate's) of the part of
// src that checkShape found well formed, so that a scenario holding an
// unknown key and a bad value is told both at once. The keys and values
// named by shapeErrs are left out of the decode; a value error on the path
// of one of them (or of the key a typo meant), above it or below it, comes
// from leaving it out and is dropped. It returns nil when the rest cannot be decoded (a key that
// holds a dot, say): then the shape errors alone are reported.
func valueErrorsBeside(l *locator, src []byte, shapeErrs []error) []error {
	var tree any
	if err := yaml.Unmarshal(src, &tree); err != nil {
		return nil
	}
	var bad []string
	for _, e := range shapeErrs {
		var fe *FieldError
		if !errors.As(e, &fe) || fe.Path == "" || !removePath(tree, fe.Path) {
			return nil
		}
		bad = append(bad, fe.Path)
		if fe.meant != "" {
			bad = append(bad, fe.meant)
		}
	}
	rest, err := yaml.Marshal(tree)
	if err != nil {
		return nil
	}
	var sc Scenario
	if err := yaml.UnmarshalWithOptions(rest, &sc, yaml.Strict()); err != nil {
		return nil
	}
	sc.File, sc.Source = l.file, src
	sc.applyDefaults()
	var found []error
	if u, ok := sc.validate(l).(interface{ Unwrap() []error }); ok {
		found = u.Unwrap()
	}
	var out []error
	for _, e := range found {
		if fe, ok := e.(*FieldError); ok && !slices.ContainsFunc(bad, func(b string) bool { return onPath(fe.Path, b) }) {
			out = append(out, e)
		}
	}
	return out
}

// onPath reports whether p is q, or lies above or below it.
func onPath(p, q string) bool {
	below := func(a, b string) bool {
		return strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
	}
	return p == q || below(p, q) || below(q, p)
}

// removePath takes the value at path (dotted keys, [i] indexes) out of a
// decoded YAML tree: a mapping loses the key, a list keeps its length
// (later indexes keep their meaning) with a null in its place. It reports
// false when path does not lead to a value.
func removePath(tree any, path string) bool {
	steps := splitPath(path)
	if len(steps) == 0 {
		return false
	}
	node := tree
	for i, s := range steps {
		last := i == len(steps)-1
		switch v := node.(type) {
		case map[string]any:
			next, ok := v[s]
			if !ok {
				return false
			}
			if last {
				delete(v, s)
				return true
			}
			node = next
		case []any:
			k, err := strconv.Atoi(strings.Trim(s, "[]"))
			if !strings.HasPrefix(s, "[") || err != nil || k < 0 || k >= len(v) {
				return false
			}
			if last {
				v[k] = nil
				return true
			}
			node = v[k]
		default:
			return false
		}
	}
	return false
}

// splitPath cuts "a.b[2].c" into "a", "b", "[2]", "c".
func splitPath(path string) []string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		for part != "" {
			i := strings.IndexByte(part[1:], '[') + 1
			if i == 0 {
				out = append(out, part)
				break
			}
			out = append(out, part[:i])
			part = part[i:]
		}
	}
	return out
}

// byPosition orders errors by their line and column; an error without
// one keeps its place at the end.
func byPosition(errs []error) {
	pos := func(e error) (int, int) {
		var fe *FieldError
		if errors.As(e, &fe) && fe.Line > 0 {
			return fe.Line, fe.Column
		}
		return int(^uint(0) >> 1), 0
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		la, ca := pos(a)
		lb, cb := pos(b)
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(ca, cb))
	})
}
