package scenarios

import (
	"fmt"
	"strconv"
	"strings"
)

// condTokenKind is what a token of a condition is.
type condTokenKind uint8

const (
	tokEnd    condTokenKind = iota
	tokWord                 // a field path, true, false or null
	tokString               // "..." or '...'
	tokNumber
	tokOp // == != < <= > >= && || ( )
)

// condToken is one token at byte off of the condition's text.
type condToken struct {
	kind condTokenKind
	text string
	val  any // tokString: string; tokNumber: float64
	off  int
}

// describe names the token for an error.
func (t condToken) describe() string {
	if t.kind == tokEnd {
		return "the end"
	}
	return strconv.Quote(t.text)
}

// condOps are the operators, longest first so that <= is not read as <.
var condOps = []string{"==", "!=", "<=", ">=", "&&", "||", "<", ">", "(", ")"}

// lexCondition cuts s into tokens, ending with a tokEnd at len(s).
func lexCondition(s string) ([]condToken, error) {
	var toks []condToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '"' || c == '\'':
			t, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			toks, i = append(toks, t), i+n
			continue
		case c == '-' || c >= '0' && c <= '9':
			n := numberLen(s[i:])
			f, err := strconv.ParseFloat(s[i:i+n], 64)
			if n == 0 || err != nil {
				return nil, &ConditionError{i, fmt.Sprintf("%q is not a number", s[i:i+max(n, 1)])}
			}
			toks, i = append(toks, condToken{kind: tokNumber, text: s[i : i+n], val: f, off: i}), i+n
			continue
		case isWordStart(c):
			n := 1
			for i+n < len(s) && isWordByte(s[i+n]) {
				n++
			}
			toks, i = append(toks, condToken{kind: tokWord, text: s[i : i+n], off: i}), i+n
			continue
		}
		op := ""
		for _, o := range condOps {
			if strings.HasPrefix(s[i:], o) {
				op = o
				break
			}
		}
		if op == "" {
			msg := fmt.Sprintf("unexpected %q", s[i:i+1])
			switch c {
			case '=':
				msg += ": compare with =="
			case '&', '|':
				msg += ": join conditions with && or ||"
			}
			return nil, &ConditionError{i, msg}
		}
		toks, i = append(toks, condToken{kind: tokOp, text: op, off: i}), i+len(op)
	}
	if len(toks) == 0 {
		return nil, &ConditionError{0, `empty condition (want e.g. state == "finished")`}
	}
	return append(toks, condToken{kind: tokEnd, off: len(s)}), nil
}

// lexString reads a quoted string at s[i]: "..." with Go's escapes, or
// '...' taken as written. n is its length with the quotes.
func lexString(s string, i int) (condToken, int, error) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q == '"' {
				j++
			}
		case q:
			raw := s[i : j+1]
			v := raw[1 : len(raw)-1]
			if q == '"' {
				var err error
				if v, err = strconv.Unquote(raw); err != nil {
					return condToken{}, 0, &ConditionError{i, fmt.Sprintf("%s is not a valid string", raw)}
				}
			}
			return condToken{kind: tokString, text: raw, val: v, off: i}, len(raw), nil
		}
	}
	return condToken{}, 0, &ConditionError{i, fmt.Sprintf("the string that starts here has no closing %c", q)}
}

// numberLen is the length of the number at the start of s: an optional
// minus, digits, a fraction and an exponent.
func numberLen(s string) int {
	n := 0
	if n < len(s) && s[n] == '-' {
		n++
	}
	digits := func() {
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
	}
	digits()
	if n < len(s) && s[n] == '.' {
		n++
		digits()
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		n++
		if n < len(s) && (s[n] == '+' || s[n] == '-') {
			n++
		}
		digits()
	}
	return n
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// isWordByte is a byte of a field path: letters, digits, _ - . and the
// brackets (a [] is refused with a message, not split into tokens).
func isWordByte(c byte) bool {
	return isWordStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '[' || c == ']'
}
