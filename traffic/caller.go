package traffic

import (
	"regexp"
	"strings"
)

// CallerKind is where a log line names its caller.
type CallerKind string

// The caller rules.
const (
	// CallerPath takes the first capture group of a regular expression
	// over the request's path and query: path:^/v1/callers/([^/]+)/.
	CallerPath CallerKind = "path"
	// CallerHeader takes a logged request header: header:X-Tenant.
	CallerHeader CallerKind = "header"
	// CallerField takes a JSON key (dotted for nested objects):
	// field:tenant.id.
	CallerField CallerKind = "field"
	// CallerIP takes the client's address.
	CallerIP CallerKind = "ip"
)

// DefaultCallerRule is the rule when none is given: the reference
// services' path, /v1/callers/{caller}/...
const DefaultCallerRule = `path:^/v1/callers/([^/?]+)`

// CallerRule says how to find a line's caller.
type CallerRule struct {
	Kind CallerKind
	Name string         // the header or field; the expression for path
	Re   *regexp.Regexp // path only
}

// ParseCallerRule reads path:REGEX, header:NAME, field:NAME or ip. A
// path expression must have a capture group. ErrUsage otherwise.
func ParseCallerRule(s string) (CallerRule, error) {
	if s == string(CallerIP) {
		return CallerRule{Kind: CallerIP}, nil
	}
	kind, arg, _ := strings.Cut(s, ":")
	r := CallerRule{Kind: CallerKind(kind), Name: arg}
	switch r.Kind {
	case CallerPath:
		re, err := regexp.Compile(arg)
		if err != nil {
			return r, usagef("caller %s: %v", s, err)
		}
		if re.NumSubexp() < 1 {
			return r, usagef("caller %s: the expression needs a capture group around the caller, as in path:^/v1/callers/([^/]+)", s)
		}
		r.Re = re
	case CallerHeader, CallerField:
		if arg == "" {
			return r, usagef("caller %s: name the %s, as in %s:X-Tenant", s, kind, kind)
		}
	default:
		return r, usagef("caller %q: want path:REGEX, header:NAME, field:NAME or ip", s)
	}
	return r, nil
}

// String is the rule as written.
func (r CallerRule) String() string {
	if r.Kind == CallerIP {
		return string(CallerIP)
	}
	return string(r.Kind) + ":" + r.Name
}

// find returns the caller of rec and, for a path rule, where it sits in
// the target ([lo, hi); -1 when it is not in the target); nil when the
// line has none.
func (r CallerRule) find(rec *record) (id []byte, lo, hi int) {
	switch r.Kind {
	case CallerPath:
		m := r.Re.FindSubmatchIndex(rec.target)
		if m == nil || m[2] < 0 || m[3] <= m[2] {
			return nil, -1, -1
		}
		return rec.target[m[2]:m[3]], m[2], m[3]
	case CallerIP:
		return dash(rec.addr), -1, -1
	default:
		return rec.ident, -1, -1
	}
}
