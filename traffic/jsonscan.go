package traffic

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner reads one JSON text without building a tree: the log
// parsers and the trace reader walk an object's keys, take the few values
// they want and skip the rest, so a line costs a pass over its bytes and
// no allocation. Strings come back as views onto the line, or onto
// scratch when they hold escapes; scratch is sized to the line so earlier
// views stay valid (an unescaped string is never longer than its escaped
// form).
type jsonScanner struct {
	b       []byte
	i       int
	scratch []byte
}

var errJSON = errors.New("not valid JSON")

// reset starts scanning b.
func (s *jsonScanner) reset(b []byte) {
	s.b, s.i = b, 0
	if cap(s.scratch) < len(b) {
		s.scratch = make([]byte, 0, len(b)*2)
	}
	s.scratch = s.scratch[:0]
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next non-space byte, 0 at the end.
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jsonScanner) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errJSON, what, s.i+1)
}

// object reads an object, calling fn for each key; fn must consume the
// value (str, skip, value, object, array).
func (s *jsonScanner) object(fn func(key []byte) error) error {
	if s.peek() != '{' {
		return s.fail("want an object")
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.fail("want a key")
		}
		k, err := s.str()
		if err != nil {
			return err
		}
		if s.peek() != ':' {
			return s.fail("want ':'")
		}
		s.i++
		if err := fn(k); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("want ',' or '}'")
		}
	}
}

// array reads an array, calling fn for each element; fn must consume it.
func (s *jsonScanner) array(fn func() error) error {
	if s.peek() != '[' {
		return s.fail("want an array")
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("want ',' or ']'")
		}
	}
}

// value reads a string (unescaped, isStr true) or a number, true, false
// or null as written; an object or array is skipped and returns nil.
func (s *jsonScanner) value() (v []byte, isStr bool, err error) {
	switch s.peek() {
	case '"':
		v, err = s.str()
		return v, true, err
	case '{', '[':
		return nil, false, s.skip()
	default:
		start := s.i
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				break
			}
			s.i++
		}
		if s.i == start {
			return nil, false, s.fail("want a value")
		}
		return s.b[start:s.i], false, nil
	}
}

// skip consumes one value of any kind.
func (s *jsonScanner) skip() error {
	switch s.peek() {
	case '{':
		return s.object(func([]byte) error { return s.skip() })
	case '[':
		return s.array(s.skip)
	}
	_, _, err := s.value()
	return err
}

// str reads a string at s.i (a '"'), unescaping it when it must.
func (s *jsonScanner) str() ([]byte, error) {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\':
			return s.unescape(start)
		case c < 0x20:
			return nil, s.fail("control character in a string")
		}
		s.i++
	}
	return nil, s.fail("unterminated string")
}

// unescape finishes a string with escapes into scratch.
func (s *jsonScanner) unescape(start int) ([]byte, error) {
	from := len(s.scratch)
	s.scratch = append(s.scratch, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.scratch[from:], nil
		case c < 0x20:
			return nil, s.fail("control character in a string")
		case c != '\\':
			s.scratch = append(s.scratch, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			s.scratch = append(s.scratch, e)
		case 'b':
			s.scratch = append(s.scratch, '\b')
		case 'f':
			s.scratch = append(s.scratch, '\f')
		case 'n':
			s.scratch = append(s.scratch, '\n')
		case 'r':
			s.scratch = append(s.scratch, '\r')
		case 't':
			s.scratch = append(s.scratch, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, s.fail(`bad \u escape`)
			}
			s.scratch = utf8.AppendRune(s.scratch, r)
		default:
			return nil, s.fail("bad escape")
		}
	}
	return nil, s.fail("unterminated string")
}

// hex4 reads the four hex digits after \u, and a low surrogate's \uXXXX
// after a high one.
func (s *jsonScanner) hex4() (rune, bool) {
	r, ok := readHex4(s.b, s.i)
	if !ok {
		return 0, false
	}
	s.i += 4
	if utf16.IsSurrogate(r) {
		if s.i+6 <= len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
			if lo, ok := readHex4(s.b, s.i+2); ok {
				if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
					s.i += 6
					return d, true
				}
			}
		}
		return utf8.RuneError, true
	}
	return r, true
}

func readHex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// end checks that nothing but space follows the value just read.
func (s *jsonScanner) end() error {
	if s.peek() != 0 {
		return s.fail("unexpected data after the value")
	}
	return nil
}
