package scenarios

import (
	"maps"
	"net/http"
	"slices"
)

// resolver compiles a scenario's templates for NewRequests, after
// checkTemplates found nothing wrong, and resolves what is the same for
// every request: secrets become literal bytes (and are listed in
// Requests.secrets), {attempt.key} becomes the key's prefix and {caller},
// and each {var.NAME} gets the slot of NAME in the classes' values.
type resolver struct {
	r     *Requests
	env   func(string) (string, bool)
	slots map[string]int
}

// compile compiles text and resolves its segments. Its errors were
// reported by checkTemplates already; a segment in error is left out.
func (res *resolver) compile(text string) []segment {
	segs, _ := compile(text)
	out := make([]segment, 0, len(segs)+1)
	for _, sg := range segs {
		switch sg.kind {
		case opSecret:
			v, _ := res.env(sg.name)
			if v != "" && !slices.Contains(res.r.secrets, v) {
				res.r.secrets = append(res.r.secrets, v)
			}
			out = append(out, segment{kind: opLit, lit: []byte(v), off: sg.off})
		case opKey:
			out = append(out, segment{kind: opKey, off: sg.off})
		case opVar:
			slot, ok := res.slots[sg.name]
			if !ok {
				slot = len(res.slots)
				res.slots[sg.name] = slot
			}
			sg.slot = slot
			out = append(out, sg)
		default:
			out = append(out, sg)
		}
	}
	return out
}

// isReferenceUpload reports whether up is the one-line form: no headers
// and no body template, so the reference request is sent.
func isReferenceUpload(up Upload) bool {
	b := up.Body
	return len(up.Headers) == 0 && (b.Format == "" || b.Format == FormatJSON) &&
		b.Record == "" && b.Envelope == "" && b.CSVHeader == "" && b.Part == nil && len(b.Fields) == 0
}

// headers compiles the upload's headers, by canonical name in sorted
// order: api.headers (common) overlaid with the upload's own; the
// one-line form's own is the reference Idempotency-Key.
func (res *resolver) headers(up Upload, common map[string]string) []headerTemplate {
	own := up.Headers
	if isReferenceUpload(up) {
		own = map[string]string{referenceKeyHeader: "{attempt.key}"}
	}
	return res.headerList(common, own)
}

// headerList compiles base overlaid with over, by canonical name in
// sorted order: where both name a header (whatever its case), over's
// value is the one sent.
func (res *resolver) headerList(base, over map[string]string) []headerTemplate {
	merged := map[string]string{}
	for _, m := range []map[string]string{base, over} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			merged[http.CanonicalHeaderKey(k)] = m[k]
		}
	}
	hs := make([]headerTemplate, 0, len(merged))
	for _, k := range slices.Sorted(maps.Keys(merged)) {
		hs = append(hs, headerTemplate{name: k, value: res.compile(merged[k])})
	}
	return hs
}
