package scenarios

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CallersFrom takes the callers from a CSV file (callers.from): one row a
// caller after a header row naming the columns. The Name column is each
// caller's {caller}; every column is {var.COLUMN} for its caller. Secret
// columns are redacted from everything rehearse writes, like ${NAME}
// values, and may go only where a ${NAME} may (headers, form fields).
// Its rows set callers.count unless the scenario gives it; then the two
// must agree.
type CallersFrom struct {
	File   string   `yaml:"file" json:"file"`     // relative to the scenario's folder
	Name   string   `yaml:"name" json:"name"`     // the column of the callers' names
	Secret []string `yaml:"secret" json:"secret"` // columns whose values are secrets

	table *callerTable // read by loadCallers
}

// callerTable is a callers file as read: its columns and rows, the index
// of the name column, and which columns are secret.
type callerTable struct {
	columns []string
	rows    [][]string
	name    int
	secret  []bool
}

// column is the index of column name, or -1.
func (t *callerTable) column(name string) int { return slices.Index(t.columns, name) }

// table is the callers file as read, nil without callers.from.
func (c Callers) table() *callerTable {
	if c.From == nil {
		return nil
	}
	return c.From.table
}

// isSecretVar reports whether {var.name} is a secret column of c's file.
func (c Callers) isSecretVar(name string) bool {
	if c.From == nil || c.From.table == nil {
		return false
	}
	i := c.From.table.column(name)
	return i >= 0 && c.From.table.secret[i]
}

// hasColumn reports whether {var.name} is a column of c's file.
func (c Callers) hasColumn(name string) bool {
	return c.From != nil && c.From.table != nil && c.From.table.column(name) >= 0
}

// loadCallers reads callers.from (relative to the scenario's folder) and
// sets callers.count from its rows when the scenario left it out. Every
// problem is reported at the key it comes from; nothing is set then.
func (s *Scenario) loadCallers(l *locator, countGiven bool) {
	f := s.Callers.From
	if f == nil {
		return
	}
	if f.File == "" {
		l.add("callers.from.file", "required: the CSV file of the callers, relative to the scenario")
		return
	}
	if f.Name == "" {
		l.add("callers.from.name", "required: the column of the callers' names ({caller})")
		return
	}
	path := f.File
	if !filepath.IsAbs(path) && s.File != "" && !strings.HasPrefix(s.File, "builtin:") {
		path = filepath.Join(filepath.Dir(s.File), path)
	}
	t, err := readCallerTable(path)
	if err != nil {
		l.add("callers.from.file", "%v", err)
		return
	}
	if t.name = t.column(f.Name); t.name < 0 {
		l.add("callers.from.name", "%s has no column %q (columns: %s)", f.File, f.Name, strings.Join(t.columns, ", "))
		return
	}
	t.secret = make([]bool, len(t.columns))
	bad := false
	for i, c := range f.Secret {
		j := t.column(c)
		if j < 0 {
			l.add(fmt.Sprintf("callers.from.secret[%d]", i), "%s has no column %q (columns: %s)", f.File, c, strings.Join(t.columns, ", "))
			bad = true
			continue
		}
		t.secret[j] = true
	}
	if t.secret[t.name] {
		l.add("callers.from.secret", "the name column %q cannot be secret: names are in every report", f.Name)
		bad = true
	}
	if msg := t.checkNames(f.File); msg != "" {
		l.add("callers.from.name", "%s", msg)
		bad = true
	}
	switch {
	case bad:
		return
	case !countGiven:
		s.Callers.Count = len(t.rows)
	case s.Callers.Count != len(t.rows):
		l.add("callers.count", "is %d, but %s holds %d callers: leave count out to take the file's", s.Callers.Count, f.File, len(t.rows))
		return
	}
	f.table = t
}

// checkNames says what is wrong with the names: an empty one or the
// same one twice ("" when nothing is).
func (t *callerTable) checkNames(file string) string {
	seen := make(map[string]int, len(t.rows))
	for i, r := range t.rows {
		n := r[t.name]
		if strings.TrimSpace(n) == "" {
			return fmt.Sprintf("%s:%d: the caller's name (column %q) is empty", file, i+2, t.columns[t.name])
		}
		if j, ok := seen[n]; ok {
			return fmt.Sprintf("%s:%d: caller %q is named twice (first on line %d)", file, i+2, n, j+2)
		}
		seen[n] = i
	}
	return ""
}

// readCallerTable reads a callers file: a header of distinct, non-empty
// column names, then at least one row; no value may hold a line break or
// NUL (values go into headers). Lines are counted from 1, the header's.
func readCallerTable(path string) (*callerTable, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read callers: %s: %w", filepath.Base(path), errors.Unwrap(err))
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("read callers: %s is empty: want a header row, then one row a caller", filepath.Base(path))
	}
	if err != nil {
		return nil, fmt.Errorf("read callers: %s: %w", filepath.Base(path), err)
	}
	t := &callerTable{}
	for i, c := range head {
		c = strings.TrimSpace(c)
		if c == "" || slices.Contains(t.columns, c) {
			return nil, fmt.Errorf("read callers: %s:1: column %d is empty or named twice (%q)", filepath.Base(path), i+1, c)
		}
		t.columns = append(t.columns, c)
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read callers: %s: %w", filepath.Base(path), err)
		}
		for j, v := range row {
			if strings.ContainsAny(v, "\r\n\x00") {
				line, _ := r.FieldPos(j)
				return nil, fmt.Errorf("read callers: %s:%d: column %q holds a line break or NUL", filepath.Base(path), line, t.columns[j])
			}
		}
		t.rows = append(t.rows, row)
	}
	if len(t.rows) == 0 {
		return nil, fmt.Errorf("read callers: %s holds no caller: want one row a caller after the header", filepath.Base(path))
	}
	return t, nil
}
