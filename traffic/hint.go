package traffic

import (
	"fmt"
	"regexp"
)

// callerHint watches the lines that named no caller, so that an import
// where none did can say which other rule would have found one.
type callerHint struct {
	lines    int64
	withAddr int64
	defPath  int64  // lines the default path rule would name a caller on
	example  string // a path seen, for writing a path rule
}

// hintSample caps the lines the default path rule is tried on.
const hintSample = 10_000

var defaultPathRe = regexp.MustCompile(DefaultCallerRule[len("path:"):])

func (h *callerHint) observe(r *record) {
	h.lines++
	if len(dash(r.addr)) > 0 {
		h.withAddr++
	}
	if h.lines <= hintSample && defaultPathRe.Match(r.target) {
		h.defPath++
	}
	if h.example == "" {
		t := r.target
		if q := indexByte(t, '?'); q >= 0 {
			t = t[:q]
		}
		h.example = string(t)
	}
}

// suggest lists the other rules, best first.
func (h *callerHint) suggest(rule CallerRule, f Format) []string {
	var out []string
	if rule.Kind != CallerIP && h.withAddr > 0 {
		out = append(out, fmt.Sprintf("--caller ip (a client address on %d of %d lines)", h.withAddr, h.lines))
	}
	if rule.String() != DefaultCallerRule && h.defPath > 0 {
		out = append(out, fmt.Sprintf("--caller '%s' (matches %d of the first %d lines)", DefaultCallerRule, h.defPath, min(h.lines, hintSample)))
	}
	if h.example != "" {
		out = append(out, fmt.Sprintf("--caller 'path:REGEX' with a group around the caller in paths such as %s", h.example))
	}
	switch f {
	case FormatNginxJSON, FormatJSONL:
		out = append(out, "--caller field:KEY or header:NAME for a key the lines hold")
	case FormatNginx, FormatALB:
		out = append(out, "--caller header:User-Agent, when each caller sends its own")
	}
	return out
}
