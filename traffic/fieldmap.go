package traffic

import (
	"slices"
	"strings"
)

// Slot is a value a JSON log line provides: FieldMap maps each to the
// key (or dotted path of keys) that holds it.
type Slot string

// The slots of a JSON log line. Time and either Request or Method and
// Path are required; the others are optional.
const (
	SlotTime     Slot = "time"     // ISO 8601, $time_local, or Unix seconds / ms / µs / ns
	SlotMethod   Slot = "method"   // POST
	SlotPath     Slot = "path"     // /v1/callers/acme/records?x=1 (or an absolute URL)
	SlotRequest  Slot = "request"  // "POST /path HTTP/1.1", when method and path are not logged apart
	SlotStatus   Slot = "status"   // 201, or "201"; absent or "-": no response
	SlotBytes    Slot = "bytes"    // the request's size: its body's, or with its headers (sizefield.go)
	SlotDuration Slot = "duration" // seconds the request took (arrival = time - duration)
	SlotAddr     Slot = "addr"     // the client's address
)

// Slots lists every slot, in the order help text shows them.
var Slots = []Slot{SlotTime, SlotMethod, SlotPath, SlotRequest, SlotStatus, SlotBytes, SlotDuration, SlotAddr}

// FieldMap is where a JSON log keeps each slot: keys tried in order, the
// first present wins. A key may be a dotted path into nested objects
// (http.method) or a flat key that holds dots; both are tried.
type FieldMap map[Slot][]string

// DefaultFieldMap is the mapping of a format before --map: nginx's
// variable names for nginx-json (log_format ... escape=json with keys
// named after the variables), common names for jsonl. Formats that are not
// JSON have none.
func DefaultFieldMap(f Format) FieldMap {
	switch f {
	case FormatNginxJSON:
		return FieldMap{
			SlotTime:     {"time_iso8601", "time_local", "msec", "time", "timestamp", "@timestamp"},
			SlotMethod:   {"request_method", "method"},
			SlotPath:     {"request_uri", "uri", "path"},
			SlotRequest:  {"request"},
			SlotStatus:   {"status"},
			SlotBytes:    {"content_length", "http_content_length", "request_length", "bytes"}, // body first (sizefield.go)
			SlotDuration: {"request_time"},
			SlotAddr:     {"remote_addr", "client_ip", "ip"},
		}
	case FormatJSONL:
		return FieldMap{
			SlotTime:    {"time", "timestamp", "ts", "@timestamp", "date"},
			SlotMethod:  {"method", "request_method", "http.method"},
			SlotPath:    {"path", "url", "uri", "request_uri", "http.path", "http.url"},
			SlotRequest: {"request"},
			SlotStatus:  {"status", "status_code", "code", "http.status_code"},
			SlotBytes:   {"content_length", "http_content_length", "bytes", "request_bytes", "size", "request_length"}, // body first (sizefield.go)
			SlotAddr:    {"ip", "client_ip", "remote_addr", "addr"},
		}
	}
	return nil
}

// ParseFieldMap overlays mappings written as slot=key (one per string,
// or several joined by commas: time=ts,path=req.url) on the format's
// defaults. A mapped slot tries only the given key. It fails on an
// unknown slot or an empty key, naming the slots.
func ParseFieldMap(f Format, specs []string) (FieldMap, error) {
	m := DefaultFieldMap(f)
	if m == nil && len(specs) > 0 {
		return nil, usagef("--map is for the JSON formats (nginx-json, jsonl), not %s", f)
	}
	for _, spec := range specs {
		for kv := range strings.SplitSeq(spec, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok || v == "" || !slices.Contains(Slots, Slot(k)) {
				return nil, usagef("map %q: want slot=key with a slot among %s", kv, slotList())
			}
			m[Slot(k)] = []string{v}
		}
	}
	return m, nil
}

func slotList() string {
	s := make([]string, len(Slots))
	for i, sl := range Slots {
		s[i] = string(sl)
	}
	return strings.Join(s, ", ")
}
