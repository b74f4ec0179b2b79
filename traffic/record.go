package traffic

// record is one parsed log line. Its byte slices are views onto the line
// (or its parser's scratch) and stay valid until the parser reads its
// next line, so each log source has a parser of its own.
type record struct {
	t        int64  // arrival, Unix nanoseconds: the logged time minus the logged duration, if any
	logged   int64  // the time as logged (usually the request's end): the order of the file, which the merge keeps
	method   []byte // as logged
	target   []byte // path and query as requested (origin form)
	status   int    // 0: no response logged
	bytes    int64  // request size; valid when bytesKey != ""
	bytesKey string // what the size counts (request_length, received_bytes, a JSON key)
	addr     []byte // client address, without a port
	ident    []byte // the header or field the caller rule reads; nil when absent
}

// lineParser parses one line of a log format into r, or says why it
// cannot. It never keeps line beyond the call except through r.
type lineParser interface {
	parse(line []byte, r *record) error
}

// splitRequest splits a request line "POST /path?q HTTP/1.1" (the protocol
// may be missing) into method and origin-form target.
func splitRequest(req []byte) (method, target []byte, ok bool) {
	sp := indexByte(req, ' ')
	if sp <= 0 {
		return nil, nil, false
	}
	method, rest := req[:sp], req[sp+1:]
	if end := lastIndexByte(rest, ' '); end >= 0 && hasPrefix(rest[end+1:], "HTTP/") {
		rest = rest[:end]
	}
	target = originForm(rest)
	if len(target) == 0 || target[0] != '/' || !isToken(method) {
		return nil, nil, false
	}
	return method, target, true
}

// originForm strips scheme and authority from an absolute-form target
// (http://host:80/path -> /path); other targets are returned as they are.
func originForm(t []byte) []byte {
	if len(t) > 0 && t[0] == '/' {
		return t
	}
	for _, scheme := range []string{"http://", "https://"} {
		if hasPrefix(t, scheme) {
			rest := t[len(scheme):]
			if i := indexByte(rest, '/'); i >= 0 {
				return rest[i:]
			}
			return []byte("/")
		}
	}
	return t
}

// isToken reports whether b is an HTTP method: letters only, 1..16 bytes.
func isToken(b []byte) bool {
	if len(b) == 0 || len(b) > 16 {
		return false
	}
	for _, c := range b {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
