package traffic

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"
)

// Import reads the logs, merged in time order, and writes the trace of
// the uploads that pass the filters to trace (gzip'd JSON lines: a Header,
// then one CallerTrace a line); with trace nil it only summarises. It
// streams: memory grows with the number of callers, not lines, since
// uploads wait grouped by caller in temporary files (WithTempDir) that are
// removed before it returns.
//
// A line that does not parse is counted and skipped; when more than
// WithMaxBad of the lines are bad, Import fails with a *BadLinesError and
// writes nothing. When no line names a caller under the rule it fails
// with a *NoCallerError that suggests other rules. Bad options match
// ErrUsage, bad input ErrInput. On success the Summary describes what was
// written; the caller closes trace.
func Import(ctx context.Context, trace io.Writer, logs []string, opts ...Option) (*Summary, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.check(len(logs)); err != nil {
		return nil, err
	}
	newParser, err := newParserFactory(o.format, o.fields, o.caller, o.sizeFrom)
	if err != nil {
		return nil, err
	}
	imp := &importer{o: o, callers: newCallerTable(o.callers, o.hashKey), sources: logs, retries: retries{window: int64(o.retryWindow)}}
	srcs := make([]*source, 0, len(logs))
	defer func() {
		for _, s := range srcs {
			_ = s.close() // read-only files: a failed close loses nothing
		}
	}()
	for i, name := range logs {
		s, err := openSource(name, i, newParser(), &imp.bad)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, s)
	}
	if imp.spill, err = newSpill(o.tempDir); err != nil {
		return nil, err
	}
	sum, err := imp.run(ctx, srcs, trace)
	if err = errors.Join(err, imp.spill.close()); err != nil {
		return nil, err
	}
	return sum, nil
}

// check refuses options that cannot work, before any log is opened.
func (o *options) check(logs int) error {
	switch {
	case logs == 0:
		return usagef("no log to import")
	case o.hashKey != nil && len(o.hashKey) == 0:
		return usagef("an empty hash key hides nothing")
	case o.maxBad < 0 || o.maxBad > 1:
		return usagef("max bad must be 0..100%%, got %g%%", 100*o.maxBad)
	case o.callers < 0:
		return usagef("callers must be >= 0, got %d", o.callers)
	case o.retryWindow < 0:
		return usagef("retry window must be >= 0")
	case o.assumeSize < 0 || o.assumeSize > MaxAssumeSize:
		return usagef("assumed size must be 1 byte to %d GB, got %d bytes", MaxAssumeSize/1e9, o.assumeSize)
	case o.caller.Kind == "":
		return usagef("no caller rule")
	}
	return nil
}

// importer is one Import's state: all of it but the spill is per caller.
type importer struct {
	o        options
	sources  []string
	callers  *callerTable
	spill    *spill
	bad      badLines
	noCaller int64
	filtered int64
	sampled  int64
	hint     callerHint
	tmpl     []byte
	sizeKeys []string // the fields sizes came from, in the order met: spillRec.src-1
	unsized  bool     // a line without a size was taken
	// used while the trace is written
	methods    methodCounts
	requests   requestCounts
	retryFlags []bool
	retries    retries
}

// run reads every line, then writes the trace and the summary.
func (imp *importer) run(ctx context.Context, srcs []*source, trace io.Writer) (*Summary, error) {
	start := time.Now()
	m, err := newMerger(srcs)
	if err != nil {
		return nil, err
	}
	var since, until int64
	var hasSince, hasUntil bool
	if s := m.peek(); s != nil {
		since, hasSince = imp.o.since.resolve(s.rec.t)
		until, hasUntil = imp.o.until.resolve(s.rec.t)
	}
	for n := 0; ; n++ {
		s := m.peek()
		if s == nil {
			break
		}
		if n&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r := &s.rec
		if (hasSince && r.t < since) || (hasUntil && r.t >= until) {
			imp.filtered++
		} else if err := imp.take(r); err != nil {
			return nil, err
		}
		if err := m.advance(); err != nil {
			return nil, err
		}
	}
	var lines int64
	for _, s := range srcs {
		lines += s.lines
	}
	if err := imp.checkInput(lines); err != nil {
		return nil, err
	}
	sum := imp.summary(lines)
	if err := imp.finish(ctx, trace, sum); err != nil {
		return nil, err
	}
	sum.Took = time.Since(start)
	return sum, nil
}

// take files one record that passed the time window: the method and path
// filters, the caller, the sample, then the spill.
func (imp *importer) take(r *record) error {
	if len(imp.o.methods) > 0 && !imp.methodOK(r.method) {
		imp.filtered++
		return nil
	}
	target := r.target
	if !imp.o.query {
		if q := indexByte(target, '?'); q >= 0 {
			target = target[:q]
		}
	}
	if imp.o.path != nil && !imp.o.path.Match(target) {
		imp.filtered++
		return nil
	}
	id, lo, hi := imp.o.caller.find(r)
	if len(id) == 0 {
		imp.noCaller++
		imp.hint.observe(r)
		return nil
	}
	cid, keep := imp.callers.lookup(id)
	if !keep {
		imp.sampled++
		return nil
	}
	src, err := imp.sizeSource(r.bytesKey)
	if err != nil {
		return err
	}
	imp.callers.seen(cid, r.t, src)
	imp.tmpl = template(imp.tmpl[:0], r.target, id, lo, hi, imp.o.query)
	return imp.spill.add(cid, r.t, r.status, r.bytes, src, r.method, imp.tmpl)
}

func (imp *importer) methodOK(m []byte) bool {
	for _, want := range imp.o.methods {
		if bytes.EqualFold(m, []byte(want)) {
			return true
		}
	}
	return false
}

// checkInput fails on too many bad lines, or on a log where no line named
// a caller.
func (imp *importer) checkInput(lines int64) error {
	if imp.bad.n > 0 && float64(imp.bad.n) > imp.o.maxBad*float64(lines) {
		return &BadLinesError{Bad: imp.bad.n, Lines: lines, Max: imp.o.maxBad, First: imp.bad.first}
	}
	if len(imp.callers.c) == 0 && imp.noCaller > 0 {
		return &NoCallerError{Rule: imp.o.caller.String(), Lines: imp.noCaller,
			Suggestions: imp.hint.suggest(imp.o.caller, imp.o.format)}
	}
	if imp.unsized && len(imp.sizeKeys) == 0 && imp.o.assumeSize == 0 {
		return &NoSizesError{Format: imp.o.format, Field: imp.o.sizeFrom, Uploads: imp.callers.uploads()}
	}
	return nil
}

// sizeSource is the spill's note of where a size came from: 0 for a line
// that logged none, else 1 + the field's index in sizeKeys.
func (imp *importer) sizeSource(key string) (uint8, error) {
	if key == "" {
		imp.unsized = true
		return 0, nil
	}
	for i, k := range imp.sizeKeys {
		if k == key {
			return uint8(i + 1), nil
		}
	}
	if len(imp.sizeKeys) == maxSizeKeys {
		return 0, usagef("sizes come from more than %d fields (%v and %s): name one with --size-from", maxSizeKeys, imp.sizeKeys, key)
	}
	imp.sizeKeys = append(imp.sizeKeys, key)
	return uint8(len(imp.sizeKeys)), nil
}

// template appends target's path template to dst: the caller's identity
// replaced by {caller} (at [lo, hi) for a path rule; elsewhere wherever it
// stands as a whole path segment or query value), and the query cut off
// unless kept.
func template(dst, target, id []byte, lo, hi int, query bool) []byte {
	if lo >= 0 {
		dst = append(dst, target[:lo]...)
		dst = append(dst, CallerPlaceholder...)
		dst = append(dst, target[hi:]...)
	} else {
		dst = replaceSegments(dst, target, id)
	}
	if !query {
		if q := indexByte(dst, '?'); q >= 0 {
			dst = dst[:q]
		}
	}
	return dst
}

// replaceSegments appends target to dst with every occurrence of id that
// is bounded by / ? & = or the ends replaced by {caller}.
func replaceSegments(dst, target, id []byte) []byte {
	if len(id) == 0 {
		return append(dst, target...)
	}
	done := 0 // target[:done] is in dst
	for from := 0; from < len(target); {
		i := bytes.Index(target[from:], id)
		if i < 0 {
			break
		}
		i += from
		j := i + len(id)
		if boundary(target, i-1) && boundary(target, j) {
			dst = append(dst, target[done:i]...)
			dst = append(dst, CallerPlaceholder...)
			done = j
		}
		from = i + 1
	}
	return append(dst, target[done:]...)
}

// boundary reports whether position i of b is outside b or a delimiter.
func boundary(b []byte, i int) bool {
	if i < 0 || i >= len(b) {
		return true
	}
	switch b[i] {
	case '/', '?', '&', '=':
		return true
	}
	return false
}
