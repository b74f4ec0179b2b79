package traffic

import (
	"cmp"
	"maps"
	"strings"
)

// Format is a kind of access log.
type Format string

// The log formats Import reads.
const (
	// FormatNginx is nginx's combined format, optionally followed by
	// $request_length and $request_time.
	FormatNginx Format = "nginx"
	// FormatNginxJSON is nginx's log_format ... escape=json: one JSON
	// object per line, keys named after the variables by default.
	FormatNginxJSON Format = "nginx-json"
	// FormatALB is the AWS Application Load Balancer access log.
	FormatALB Format = "alb"
	// FormatJSONL is any JSON-lines log, its keys given by a FieldMap.
	FormatJSONL Format = "jsonl"
)

// Formats lists the formats, in the order help text shows them.
var Formats = []Format{FormatNginx, FormatNginxJSON, FormatALB, FormatJSONL}

// ParseFormat reads a format's name; ErrUsage for an unknown one.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", usagef("unknown log format %q (%s)", s, formatList())
}

func formatList() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// parserFactory makes one parser per log source (a parser's record views
// must outlive the next source's line).
type parserFactory func() lineParser

// newParserFactory checks that format f can provide what the caller rule
// reads and returns the factory of its parsers.
func newParserFactory(f Format, m FieldMap, rule CallerRule, sizeFrom string) (parserFactory, error) {
	if err := checkSizeFrom(f, sizeFrom); err != nil {
		return nil, err
	}
	switch f {
	case FormatNginx:
		h := ""
		switch rule.Kind {
		case CallerHeader:
			var ok bool
			if h, ok = nginxHeader(rule.Name); !ok {
				return nil, usagef("caller header:%s: nginx's combined format logs only the User-Agent and Referer headers (log the header in a JSON format: --format nginx-json)", rule.Name)
			}
		case CallerField:
			return nil, usagef("caller field:%s: fields are for the JSON formats (nginx-json, jsonl)", rule.Name)
		}
		size := cmp.Or(sizeFrom, nginxSizeFields[0])
		return func() lineParser { return &nginxParser{header: h, size: size} }, nil
	case FormatALB:
		switch {
		case rule.Kind == CallerHeader && strings.EqualFold(rule.Name, "user-agent"):
		case rule.Kind == CallerHeader:
			return nil, usagef("caller header:%s: ALB logs only the User-Agent header", rule.Name)
		case rule.Kind == CallerField:
			return nil, usagef("caller field:%s: fields are for the JSON formats (nginx-json, jsonl)", rule.Name)
		}
		ua := rule.Kind == CallerHeader
		return func() lineParser { return &albParser{ua: ua} }, nil
	case FormatNginxJSON, FormatJSONL:
		var ident []string
		switch rule.Kind {
		case CallerHeader:
			ident = jsonHeaderKeys(f, rule.Name)
		case CallerField:
			ident = []string{rule.Name}
		}
		if m == nil {
			m = DefaultFieldMap(f)
		}
		if sizeFrom != "" {
			m = maps.Clone(m)
			m[SlotBytes] = []string{sizeFrom}
		}
		return func() lineParser { return newJSONParser(m, ident) }, nil
	}
	return nil, usagef("unknown log format %q (%s)", f, formatList())
}
