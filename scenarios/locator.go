package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// locator finds the line and column of a YAML path in the parsed file, so a
// problem found after decoding still points at the text that caused it.
type locator struct {
	file string
	ast  *ast.File
	errs []error
}

// add records a problem at path (dotted, with [i] indexes); the position is
// that of the deepest existing node on the path, or none when the scenario
// has no source.
func (l *locator) add(path, format string, args ...any) {
	fe := &FieldError{File: l.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n, _ := l.find(path); n != nil {
		if tok := n.GetToken(); tok != nil {
			fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
		}
	}
	l.errs = append(l.errs, fe)
}

// find walks path from the top of the file and returns the deepest node it
// reaches, and whether that is the node of the whole path. A mapping key
// may itself hold dots or brackets (a header named X.Trace): a key matches
// when the rest of the path is the key or starts with it and then "." or
// "[". An alias is not followed. It returns nil without a source and when
// not even the path's first key is in the file.
func (l *locator) find(path string) (ast.Node, bool) {
	if l.ast == nil || len(l.ast.Docs) == 0 || l.ast.Docs[0].Body == nil {
		return nil, false
	}
	var found ast.Node
	n, rest := unwrap(l.ast.Docs[0].Body), path
	for rest != "" {
		next, after := step(n, rest)
		if next == nil {
			return found, false
		}
		n, rest = unwrap(next), after
		found = n
	}
	return found, found != nil
}

// addAt records a problem at byte offset off of the template at path: at
// the column of that byte when the template is a one-line scalar written
// as it reads (plain, or quoted without escapes), else at the scalar
// itself (a block scalar, a folded or escaped one).
func (l *locator) addAt(path string, off int, msg string) {
	l.add(path, "%s", msg)
	n, exact := l.find(path)
	if !exact {
		return
	}
	if col, ok := columnOf(n, off); ok {
		l.errs[len(l.errs)-1].(*FieldError).Column = col
	}
}

// columnOf is the column of byte off of scalar n's value, when the value
// sits on its token's line as it reads.
func columnOf(n ast.Node, off int) (int, bool) {
	tok := n.GetToken()
	if tok == nil || off < 0 || off > len(tok.Value) {
		return 0, false
	}
	raw, col := strings.TrimSpace(tok.Origin), tok.Position.Column
	switch tok.Type {
	case token.StringType:
	case token.DoubleQuoteType, token.SingleQuoteType:
		if len(raw) < 2 {
			return 0, false
		}
		raw, col = raw[1:len(raw)-1], col+1
	default:
		return 0, false
	}
	if raw != tok.Value || strings.ContainsAny(raw, "\n\r") {
		return 0, false
	}
	return col + utf8.RuneCountInString(raw[:off]), true
}

// step takes one step of path rest into n: a key of a mapping or an
// index of a list. It returns the child and the path left after it, or nil
// when n has no such child.
func step(n ast.Node, rest string) (ast.Node, string) {
	switch v := n.(type) {
	case *ast.SequenceNode:
		inner, after, ok := strings.Cut(strings.TrimPrefix(rest, "["), "]")
		i, err := strconv.Atoi(inner)
		if !strings.HasPrefix(rest, "[") || !ok || err != nil || i < 0 || i >= len(v.Values) {
			return nil, ""
		}
		return v.Values[i], strings.TrimPrefix(after, ".")
	case ast.MapNode:
		for it := v.MapRange(); it.Next(); {
			k := keyName(it.Key())
			after, ok := strings.CutPrefix(rest, k)
			if !ok || (after != "" && after[0] != '.' && after[0] != '[') {
				continue
			}
			return it.Value(), strings.TrimPrefix(after, ".")
		}
	}
	return nil, ""
}
