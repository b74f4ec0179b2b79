package traffic

import (
	"context"
	"io"
	"time"
)

// Summary is what an import found: the numbers `rehearse import` prints.
type Summary struct {
	Sources []string
	Format  Format
	Caller  string // the rule, as written
	Hashed  bool

	Lines    int64     // non-blank lines read
	Bad      int64     // lines that did not parse (skipped)
	FirstBad []BadLine // the first few of them
	NoCaller int64     // lines that parsed but named no caller (skipped)
	Filtered int64     // uploads outside --since/--until, --path, --method
	Sampled  int64     // uploads of callers left out by --callers
	// CallersSeen counts every caller met, Callers those in the trace.
	CallersSeen, Callers int
	Uploads              int64
	Methods              map[string]int64
	// TopRequest is the most frequent method and path template, as
	// "POST /v1/callers/{caller}/records" (ties: the first met).
	TopRequest string

	Start time.Time     // the first upload's arrival
	Span  time.Duration // from the first upload's arrival to the last's
	// PeakPerSecond is the most uploads that arrived within one second
	// of the trace (seconds counted from Start), at PeakAt.
	PeakPerSecond int
	PeakAt        time.Duration
	// BytesKey is the field most uploads took their size from
	// (content_length, request_length, received_bytes, a JSON key); ""
	// when no line logged a size. SizeFrom counts the uploads of each
	// field, most first (sizefield.go: request-body fields come first).
	BytesKey string
	SizeFrom []SizeSource
	// Unsized counts uploads whose line logged no size; they carry
	// AssumedBytes (WithAssumeSize), or 0 when none was assumed.
	Unsized      int64
	AssumedBytes int64
	// Sizes of the uploads whose size was logged: nearest-rank median and
	// p99, and the largest; the assumed size when none was. Exact unless
	// SizesApprox (more than 200,000 distinct sizes: then within 0.1%).
	BytesMedian, BytesP99, BytesMax int64
	SizesApprox                     bool
	// Retries counts uploads that look like a retry of the caller's
	// failed one (Upload.Retry, retry.go), within RetryWindow. Unsized
	// uploads are never matched: a retry is told by its size.
	Retries     int64
	RetryWindow time.Duration
	Took        time.Duration

	perSecond []int32
	// perCaller counts the callers by their uploads (retries
	// included): the fit's callers.uploads (fitpercaller.go).
	perCaller map[int]int
}

// maxSpanSeconds bounds a trace's span (115 days): the per-second curve
// is one counter a second.
const maxSpanSeconds = 10_000_000

// summary fills what is known when every line has been read.
func (imp *importer) summary(lines int64) *Summary {
	s := &Summary{Sources: imp.sources, Format: imp.o.format, Caller: imp.o.caller.String(), Hashed: imp.o.hashKey != nil,
		Lines: lines, Bad: imp.bad.n, FirstBad: imp.bad.first, NoCaller: imp.noCaller,
		Filtered: imp.filtered, Sampled: imp.sampled, CallersSeen: len(imp.callers.c),
		Methods: map[string]int64{}, RetryWindow: imp.o.retryWindow, AssumedBytes: imp.o.assumeSize}
	first, last := int64(0), int64(0)
	var bySrc [maxSizeKeys + 1]int64
	for _, c := range imp.callers.c {
		if c.dropped || c.uploads == 0 {
			continue
		}
		for i, n := range c.bySrc {
			bySrc[i] += n
		}
		if s.Callers == 0 || c.first < first {
			first = c.first
		}
		if s.Callers == 0 || c.last > last {
			last = c.last
		}
		s.Callers++
		s.Uploads += c.uploads
	}
	if s.Callers > 0 {
		s.Start = time.Unix(0, first).UTC()
		s.Span = time.Duration(last - first)
	}
	s.Unsized = bySrc[0]
	var counts sizeCounts
	for i, key := range imp.sizeKeys {
		if n := bySrc[i+1]; n > 0 {
			counts = append(counts, sizeCount{key: key, n: n})
		}
	}
	if s.SizeFrom = counts.sources(); len(s.SizeFrom) > 0 {
		s.BytesKey = s.SizeFrom[0].Field
	}
	return s
}

// finish reads the spill back caller by caller: each caller's retries,
// the per-second curve, sizes and methods, and the trace's lines.
func (imp *importer) finish(ctx context.Context, trace io.Writer, s *Summary) error {
	if secs := s.Span / time.Second; secs > maxSpanSeconds {
		return usagef("the uploads span %s, more than %d days: narrow them with --since/--until", s.Span, maxSpanSeconds/86400)
	}
	s.perSecond = make([]int32, int(s.Span/time.Second)+1)
	s.perCaller = map[int]int{}
	var w *Writer
	if trace != nil {
		var err error
		w, err = NewWriter(trace, Header{Version: Version, Sources: s.Sources, Format: s.Format,
			Caller: s.Caller, Hashed: s.Hashed, Query: imp.o.query, Bytes: s.BytesKey, BytesFrom: s.SizeFrom,
			Unsized: s.Unsized, BytesAssumed: s.AssumedBytes, Start: s.Start,
			SpanMS: s.Span.Milliseconds(), Callers: s.Callers, Uploads: s.Uploads})
		if err != nil {
			return err
		}
	}
	sizes := newSizeDist()
	start := s.Start.UnixNano()
	err := imp.spill.each(func(bk *bucket) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for recs := bk.recs; len(recs) > 0; {
			n := 1
			for n < len(recs) && recs[n].caller == recs[0].caller {
				n++
			}
			group := recs[:n]
			recs = recs[n:]
			if c := &imp.callers.c[group[0].caller]; !c.dropped {
				if err := imp.caller(w, s, sizes, start, c.name, bk, group); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.BytesMedian, s.BytesP99, s.BytesMax = sizes.quantile(0.5), sizes.quantile(0.99), sizes.max
	s.SizesApprox = sizes.approx()
	if sizes.n == 0 && s.AssumedBytes > 0 {
		s.BytesMedian, s.BytesP99, s.BytesMax = s.AssumedBytes, s.AssumedBytes, s.AssumedBytes
	}
	for _, m := range imp.methods {
		s.Methods[m.name] = m.n
	}
	s.TopRequest = imp.requests.top
	for i, n := range s.perSecond {
		if int(n) > s.PeakPerSecond {
			s.PeakPerSecond, s.PeakAt = int(n), time.Duration(i)*time.Second
		}
	}
	if w != nil {
		return w.Close()
	}
	return nil
}

// caller adds one caller's uploads, in arrival order, to the summary and
// the trace: which are retries (retry.go), the per-second curve, the
// logged sizes, and the assumed size of those that logged none.
func (imp *importer) caller(w *Writer, s *Summary, sizes *sizeDist, start int64, name string, bk *bucket, ups []spillRec) error {
	retry := imp.retryFlags[:0]
	imp.retries.reset()
	for i := range ups {
		u := &ups[i]
		sized := u.src != 0
		isRetry := imp.retries.observe(u.t, int(u.status), sized, u.bytes, bk.method(u), bk.path(u))
		retry = append(retry, isRetry)
		if isRetry {
			s.Retries++
		}
		if sized {
			sizes.add(u.bytes)
		} else {
			u.bytes = s.AssumedBytes
		}
		s.perSecond[(u.t-start)/int64(time.Second)]++
		imp.methods.add(bk.method(u))
		imp.requests.add(bk.method(u), bk.path(u))
	}
	imp.retryFlags = retry
	s.perCaller[len(ups)]++
	if w == nil {
		return nil
	}
	return w.writeSpilled(name, start, bk, ups, retry)
}

// methodCounts counts uploads by method; a log has a handful.
type methodCounts []methodCount

type methodCount struct {
	name string
	n    int64
}

func (mc *methodCounts) add(m []byte) {
	for i := range *mc {
		if (*mc)[i].name == string(m) {
			(*mc)[i].n++
			return
		}
	}
	*mc = append(*mc, methodCount{name: string(m), n: 1})
}

// maxRequests bounds the distinct requests counted for TopRequest: a log
// whose paths hold ids has one per line.
const maxRequests = 10_000

// requestCounts counts uploads by method and path template. Counts are
// pointers so that counting a known request allocates nothing.
type requestCounts struct {
	n    map[string]*int64
	key  []byte
	top  string
	topN int64
}

func (rc *requestCounts) add(method, path []byte) {
	if rc.n == nil {
		rc.n = map[string]*int64{}
	}
	rc.key = append(append(append(rc.key[:0], method...), ' '), path...)
	c := rc.n[string(rc.key)]
	if c == nil {
		if len(rc.n) >= maxRequests {
			return
		}
		c = new(int64)
		rc.n[string(rc.key)] = c
	}
	*c++
	if *c > rc.topN {
		if rc.top != string(rc.key) {
			rc.top = string(rc.key)
		}
		rc.topN = *c
	}
}
