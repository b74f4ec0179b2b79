package scenarios

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
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
	for p := path; p != "" && l.ast != nil; p = parent(p) {
		yp, err := yaml.PathString("$." + p)
		if err != nil {
			continue
		}
		if n, err := yp.FilterFile(l.ast); err == nil && n != nil {
			pos := n.GetToken().Position
			fe.Line, fe.Column = pos.Line, pos.Column
			break
		}
	}
	l.errs = append(l.errs, fe)
}

// parent is the path one level up: "a.b[2]" -> "a.b" -> "a" -> "".
func parent(p string) string {
	if i := strings.LastIndexAny(p, ".["); i > 0 {
		return p[:i]
	}
	return ""
}
