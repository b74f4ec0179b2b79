package traffic

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// Writer writes a trace: the header when it is made, then one caller a
// line. Close checks that the callers and uploads written are those the
// header announced, and must be called to flush the gzip stream; it does
// not close the underlying writer.
type Writer struct {
	zw      *gzip.Writer
	bw      *bufio.Writer
	h       Header
	callers int
	uploads int64
	buf     []byte
}

// NewWriter writes h (its Version set to this package's) to w, gzip'd.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h.Version = Version
	h.Start = h.Start.UTC()
	// BestSpeed: default compression took a quarter of an import's time.
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("write trace: %w", err)
	}
	tw := &Writer{zw: zw, bw: bufio.NewWriterSize(zw, 256<<10), h: h}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("write trace header: %w", err)
	}
	if _, err := tw.bw.Write(append(line, '\n')); err != nil {
		return nil, fmt.Errorf("write trace header: %w", err)
	}
	return tw, nil
}

// Write writes one caller's line. Offsets are written in whole
// milliseconds.
func (w *Writer) Write(c CallerTrace) error {
	b := w.open(c.Name)
	if w.h.Part != nil {
		b = w.openPart(b, c.Ordinal)
	}
	for i, u := range c.Uploads {
		b = appendUpload(b, i, u.Offset.Milliseconds(), u.Method, u.Path, u.Bytes, u.Status, u.Retry)
		if w.h.Part != nil {
			b = appendIndex(b, u.Index)
		}
	}
	return w.close(b, len(c.Uploads))
}

// writeSpilled writes one caller's line from the import's spill, without
// building Upload values.
func (w *Writer) writeSpilled(name string, start int64, bk *bucket, ups []spillRec, retry []bool) error {
	b := w.open(name)
	for i := range ups {
		u := &ups[i]
		b = appendUpload(b, i, (u.t-start)/int64(time.Millisecond), bk.method(u), bk.path(u), u.bytes, int(u.status), retry[i])
	}
	return w.close(b, len(ups))
}

func (w *Writer) open(name string) []byte {
	b := append(w.buf[:0], `{"caller":`...)
	b = appendString(b, name)
	return append(b, `,"uploads":[`...)
}

// openPart rewrites the opening of a part's caller line to carry the
// caller's ordinal: {"caller":NAME,"k":K,"uploads":[.
func (w *Writer) openPart(b []byte, ordinal int) []byte {
	b = b[:len(b)-len(`,"uploads":[`)]
	b = append(b, `,"k":`...)
	b = strconv.AppendInt(b, int64(ordinal), 10)
	return append(b, `,"uploads":[`...)
}

// appendIndex adds "g", the upload's place in the whole replay, before
// the closing brace appendUpload wrote.
func appendIndex(b []byte, g int64) []byte {
	b = append(b[:len(b)-1], `,"g":`...)
	b = strconv.AppendInt(b, g, 10)
	return append(b, '}')
}

func (w *Writer) close(b []byte, n int) error {
	b = append(b, "]}\n"...)
	w.buf = b
	w.callers++
	w.uploads += int64(n)
	if _, err := w.bw.Write(b); err != nil {
		return fmt.Errorf("write trace: %w", err)
	}
	return nil
}

// Close flushes the trace and checks its counts against the header.
func (w *Writer) Close() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("write trace: %w", err)
	}
	if err := w.zw.Close(); err != nil {
		return fmt.Errorf("write trace: %w", err)
	}
	if w.callers != w.h.Callers || w.uploads != w.h.Uploads {
		return fmt.Errorf("write trace: the header announced %d callers and %d uploads, %d and %d were written",
			w.h.Callers, w.h.Uploads, w.callers, w.uploads)
	}
	return nil
}

// appendUpload appends upload i of a caller line as
// {"t":ms,"m":"POST","p":"/path","b":bytes,"s":status} ("r":true for a
// retry), preceded by a comma after the first.
func appendUpload[S string | []byte](b []byte, i int, ms int64, method, path S, bytes int64, status int, retry bool) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, `,"m":`...)
	b = appendString(b, method)
	b = append(b, `,"p":`...)
	b = appendString(b, path)
	b = append(b, `,"b":`...)
	b = strconv.AppendInt(b, bytes, 10)
	b = append(b, `,"s":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	if retry {
		b = append(b, `,"r":true`...)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD,
// as encoding/json writes it.
func appendString[S string | []byte](b []byte, s S) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
