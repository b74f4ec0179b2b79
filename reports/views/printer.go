package views

import (
	"fmt"
	"io"
)

// printer writes formatted text and keeps the first write error, so a view
// is written line by line and checked once at the end.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
