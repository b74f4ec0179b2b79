package traffic

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Where an upload's size comes from (docs/import.md, "Sizes"). A replay
// sends a body of exactly the size the trace holds, so the field read
// decides how big every replayed body is:
//
//   - request-body fields come first: $content_length (the request's
//     Content-Length header, nginx's $http_content_length alike), the
//     body the caller sent;
//   - then fields that count more than the body: $request_length (nginx:
//     the request line and headers too), received_bytes (ALB: the same);
//   - never a response's size: $body_bytes_sent and $bytes_sent are what
//     nginx sent back, sent_bytes what the ALB did.
//
// A line whose first field is absent ("-", "", null: a chunked upload
// has no $content_length) falls back to the next field it logs; a line
// that logs none has no size (Summary.Unsized) and gets the size the
// user assumed (WithAssumeSize), or none.

// maxSizeKeys bounds the fields one import takes sizes from: a format's
// list has at most six.
const maxSizeKeys = 7

// bodySizeKeys are the JSON keys that hold the request body's size.
var bodySizeKeys = []string{"content_length", "http_content_length"}

// responseSizeKeys are keys that hold a response's size: --size-from
// refuses them, and the defaults never read them.
var responseSizeKeys = []string{"body_bytes_sent", "bytes_sent", "sent_bytes", "response_bytes", "response_length"}

// nginxSizeFields are what the nginx format's column after the user agent
// may hold (--size-from): $request_length by default.
var nginxSizeFields = []string{"request_length", "content_length"}

// SizeMeaning says what a size field counts, for the import summary and
// the trace's readers: "the request body", "request line, headers and
// body", or "as logged" for a key this package does not know.
func SizeMeaning(key string) string {
	switch {
	case slices.Contains(bodySizeKeys, key):
		return "the request body"
	case key == "request_length" || key == "received_bytes":
		return "request line, headers and body"
	}
	return "as logged"
}

// checkSizeFrom refuses a --size-from the format cannot read, or one that
// names a response's size.
func checkSizeFrom(f Format, field string) error {
	if field == "" {
		return nil
	}
	base := field[strings.LastIndexByte(field, '.')+1:]
	if slices.Contains(responseSizeKeys, strings.ToLower(base)) {
		return usagef("--size-from %s: that is the size of the response, not of the upload", field)
	}
	switch f {
	case FormatNginx:
		if !slices.Contains(nginxSizeFields, field) {
			return usagef("--size-from %s: the nginx format's column after the user agent holds %s (for another variable log JSON: --format nginx-json)",
				field, strings.Join(nginxSizeFields, " or "))
		}
	case FormatALB:
		if field != "received_bytes" {
			return usagef("--size-from %s: ALB logs the request's size only as received_bytes", field)
		}
	}
	return nil
}

// sizeCount is how many uploads took their size from one field.
type sizeCount struct {
	key string
	n   int64
}

// sizeCounts are the uploads by the field their size came from; a log
// has one or two.
type sizeCounts []sizeCount

// sources are the counts as SizeSources, most uploads first (ties by key).
func (sc sizeCounts) sources() []SizeSource {
	out := make([]SizeSource, len(sc))
	for i, c := range sc {
		out[i] = SizeSource{Field: c.key, Uploads: c.n}
	}
	slices.SortFunc(out, func(a, b SizeSource) int {
		return cmp.Or(cmp.Compare(b.Uploads, a.Uploads), cmp.Compare(a.Field, b.Field))
	})
	return out
}

// SizeSource is a field uploads took their size from, and how many did.
type SizeSource struct {
	Field   string `json:"field"`
	Uploads int64  `json:"uploads"`
}

// NoSizesError is returned by an import whose log records no request
// size on any line, when no size was assumed (WithAssumeSize): a replay
// would otherwise send bodies of a size nobody chose. It matches ErrInput.
type NoSizesError struct {
	Format  Format
	Field   string // the --size-from, if one was given
	Uploads int64
}

func (e *NoSizesError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("none of the %d uploads logs %s (--size-from), so their sizes are unknown", e.Uploads, e.Field)
	}
	why := ""
	if e.Format == FormatNginx {
		why = " (nginx's combined format has none: its $body_bytes_sent is the response's)"
	}
	return fmt.Sprintf("the log records no request size for any of its %d uploads%s", e.Uploads, why)
}

// Is makes a NoSizesError match ErrInput.
func (e *NoSizesError) Is(target error) bool { return target == ErrInput }

// Hint is the advice to print beside the error.
func (e *NoSizesError) Hint() string {
	return "choose the replay's sizes with --assume-size 20KB (every upload that size), or --size-from FIELD for a field that holds them"
}

// SizeNote is the note every report of a replay of this trace carries
// when sizes were not logged (docs/import.md, "Sizes"): what the replay
// sent instead, the size assumed at import or the smallest body. "" when
// every upload's size was logged. A trace written before the import
// counted unsized uploads says only that it has no sizes (Bytes "").
func (h Header) SizeNote() string {
	unsized := h.Unsized
	if h.Bytes == "" && len(h.BytesFrom) == 0 {
		unsized = h.Uploads
	}
	if unsized <= 0 {
		return ""
	}
	sent := "with the smallest body (one record), not their real size: choose a size with rehearse import --assume-size or --size-from"
	if h.BytesAssumed > 0 {
		sent = fmt.Sprintf("at %s each, the size assumed at import (--assume-size), not their real size", SizeText(h.BytesAssumed))
	}
	if unsized >= h.Uploads {
		return "sizes were not logged: the log records no request size, so every upload was replayed " + sent
	}
	return fmt.Sprintf("sizes were not logged for %d of %d uploads: those were replayed %s", unsized, h.Uploads, sent)
}

// SizeText writes a size as 512 B, 20.0 KB, 4.5 MB (powers of 1000), as
// the import summary does.
func SizeText(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}
