package scenarios

import "strconv"

// The default templates: the reference record and envelope (json), and a
// CSV row of the same two values.
const (
	defaultJSONRecord = `{"id":"{record.id}","payload":{"d":"{record.payload}"}}`
	defaultEnvelope   = `{"records":[{records}]}`
	defaultCSVRecord  = `{record.id},{record.payload}`
)

// contentTypes are each record format's Content-Type.
var contentTypes = map[BodyFormat]string{
	FormatJSON:   "application/json",
	FormatNDJSON: "application/x-ndjson",
	FormatCSV:    "text/csv",
	FormatRaw:    "application/octet-stream",
}

// bodyPlan is a body as three segment lists: head, then rec once per
// record, then tail. Head and tail hold only caller- and attempt-level
// segments (and a multipart boundary); rec holds the record-level ones.
type bodyPlan struct {
	head, rec, tail []segment
	ctype           string // the format's Content-Type; multipart adds the boundary
	multipart       bool
}

// contentType is the body's Content-Type for the call c.
func (p *bodyPlan) contentType(c *callCtx) string {
	if p.multipart {
		return "multipart/form-data; boundary=" + string(c.bnd[:])
	}
	return p.ctype
}

// bodyPlan compiles the body template b; "" is json.
func (res *resolver) bodyPlan(b Body) (bodyPlan, BodyFormat) {
	f := b.Format
	if f == "" {
		f = FormatJSON
	}
	if f == FormatMultipart {
		return res.multipartPlan(b), f
	}
	head, rec, tail := res.records(b, f)
	return bodyPlan{head: head, rec: rec, tail: tail, ctype: contentTypes[f]}, f
}

// records compiles the records of b as format f (json, ndjson, csv or
// raw): what comes before them, one record, and what comes after.
func (res *resolver) records(b Body, f BodyFormat) (head, rec, tail []segment) {
	nl := segment{kind: opLit, lit: []byte("\n")}
	switch f {
	case FormatNDJSON:
		rec = append(res.compile(or(b.Record, defaultJSONRecord)), nl)
	case FormatCSV:
		if b.CSVHeader != "" {
			head = append(res.compile(b.CSVHeader), nl)
		}
		rec = append(res.compile(or(b.Record, defaultCSVRecord)), nl)
	case FormatRaw:
		rec = []segment{{kind: opRecordPayload}}
	default: // json
		rec = append([]segment{{kind: opComma}}, res.compile(or(b.Record, defaultJSONRecord))...)
		env := res.compile(or(b.Envelope, defaultEnvelope))
		for i, sg := range env {
			if sg.kind == opRecords {
				return env[:i:i], rec, env[i+1:]
			}
		}
		return env, rec, nil // no {records}: refused by checkTemplates
	}
	return head, rec, tail
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// callCtx is one call's caller- and attempt-level values, rendered once
// into fixed buffers, so that segments can hand out their bytes without
// allocating: a Body reader embeds it.
type callCtx struct {
	r      *Requests
	caller int
	info   callerInfo
	rec    int    // the record being rendered
	nameB  []byte // the caller's name: in name, or a replayed upload's own
	keyB   []byte // {attempt.key}: in key, or longer
	tryLen uint8
	name   [32]byte
	key    [96]byte
	try    [12]byte
	id     [idLen]byte // c0000042-r0000017: the record part is rewritten per record
	num    [20]byte
	bnd    [boundaryLen]byte
	sess   *Session  // what the caller's flow saved: {login.NAME}, {step.NAME}
	part   PartRange // the part a parts step sends
}

// start fills c for caller (0 <= caller < Len) and its try.
func (r *Requests) start(c *callCtx, caller int, try int32) {
	c.r, c.caller, c.info = r, caller, r.info(caller)
	c.nameB = c.info.name
	if r.sessions != nil {
		c.sess = r.sessions(caller)
	}
	if c.nameB == nil {
		c.nameB = appendCallerName(c.name[:0], caller)
	}
	c.keyB = append(append(c.key[:0], r.keyPrefix...), c.nameB...)
	if r.replayed {
		// The same caller uploads again: each upload has a key of its own.
		c.keyB = strconv.AppendInt(append(c.keyB, "-u"...), int64(caller), 10)
	} else if r.uploadNo != nil {
		if n := r.uploadNo(caller); n > 0 {
			c.keyB = strconv.AppendInt(append(c.keyB, "-u"...), int64(n), 10)
		}
	}
	c.tryLen = uint8(len(strconv.AppendInt(c.try[:0], int64(try), 10)))
	c.id[0] = 'c'
	putPadded(c.id[1:], caller)
	c.id[8], c.id[9] = '-', 'r'
	if r.format == FormatMultipart {
		putBoundary(c.bnd[:], r.seed, caller)
	}
}

var commaB = []byte{','}

// piece is the bytes sg writes in c, for record c.rec: a view that stays
// valid until the next piece of the same kind. {upload.id} and
// {body.length} are filled by their callers, not here.
func (c *callCtx) piece(sg *segment) []byte {
	switch sg.kind {
	case opLit:
		return sg.lit
	case opRecordPayload:
		return c.r.pop.Payload(c.caller, c.rec)
	case opRecordID:
		putPadded(c.id[10:], c.rec)
		return c.id[:]
	case opComma:
		if c.rec > 0 {
			return commaB
		}
		return nil
	case opCaller:
		return c.nameB
	case opKey:
		return c.keyB
	case opRecordIndex:
		return strconv.AppendInt(c.num[:0], int64(c.rec), 10)
	case opTry:
		return c.try[:c.tryLen]
	case opClass:
		return c.r.classes[c.info.class].name
	case opVar:
		if c.r.rows != nil {
			if col := c.r.slotCols[sg.slot]; col >= 0 {
				return c.r.rows[c.caller][col]
			}
		}
		return c.r.classes[c.info.class].vars[sg.slot]
	case opBoundary:
		return c.bnd[:]
	case opLogin, opStep:
		return c.saved(sg)
	case opPartN:
		return strconv.AppendInt(c.num[:0], c.part.N, 10)
	case opPartOffset:
		return strconv.AppendInt(c.num[:0], c.part.Offset, 10)
	case opPartLength:
		return strconv.AppendInt(c.num[:0], c.part.Length, 10)
	case opUploadLength:
		return strconv.AppendInt(c.num[:0], c.r.DataLen(c.caller, int32(c.tryNum())), 10)
	}
	return nil
}

// tryNum is the try c was started for.
func (c *callCtx) tryNum() int {
	n, _ := strconv.Atoi(string(c.try[:c.tryLen]))
	return n
}

// BodyLen is the exact length of Body(caller, try), computed from the
// templates without rendering a record; a replayed upload's padding
// included.
func (r *Requests) BodyLen(caller int, try int32) int64 {
	var c callCtx
	r.start(&c, caller, try)
	return r.lenFor(&c, int64(c.info.records)) + int64(c.info.pad)
}

// lenFor is the length of c's body with n records, without padding.
func (r *Requests) lenFor(c *callCtx, n int64) int64 { return r.planLen(&r.body, c, n) }

// planLen is the length of plan's body in c with n records, without
// padding.
func (r *Requests) planLen(p *bodyPlan, c *callCtx, n int64) int64 {
	total := c.fixedLen(p.head) + c.fixedLen(p.tail)
	for i := range p.rec {
		sg := &p.rec[i]
		switch sg.kind {
		case opComma:
			total += max(n-1, 0)
		case opRecordIndex:
			total += digitsBelow(n)
		case opRecordID:
			total += n * idLen
		case opRecordPayload:
			total += n * int64(c.info.recordBytes)
		default:
			total += n * int64(len(c.piece(sg)))
		}
	}
	return total
}

// RecordsFor is how a replayed upload of caller's reaches its logged size
// in bytes: the most records whose body fits (at least 1), and the
// whitespace after it that makes up the rest — for the formats where
// trailing whitespace is still the same document (json, ndjson,
// multipart); csv and raw bodies get no padding and come within one
// record of the size. A size below one record's body is exceeded.
func (r *Requests) RecordsFor(caller int, bytes int64) (records, pad int) {
	var c callCtx
	r.start(&c, caller, 1)
	lo, hi := int64(1), int64(1)
	for hi < 1<<24 && r.lenFor(&c, hi*2) <= bytes {
		hi *= 2
	}
	hi *= 2
	for lo+1 < hi { // the largest n with lenFor(n) <= bytes, or 1
		mid := (lo + hi) / 2
		if r.lenFor(&c, mid) <= bytes {
			lo = mid
		} else {
			hi = mid
		}
	}
	switch r.format {
	case FormatCSV, FormatRaw:
		return int(lo), 0
	}
	return int(lo), int(max(bytes-r.lenFor(&c, lo), 0))
}

// fixedLen is the length of segments that hold no record-level one.
func (c *callCtx) fixedLen(segs []segment) int64 {
	var n int64
	for i := range segs {
		n += int64(len(c.piece(&segs[i])))
	}
	return n
}

// maxRecord bounds one record's bytes in c, comma included: a Read buffer
// with this much room takes a whole record at once.
func (p *bodyPlan) maxRecord(c *callCtx) int {
	n := 0
	for i := range p.rec {
		sg := &p.rec[i]
		switch sg.kind {
		case opComma:
			n++
		case opRecordIndex:
			n += len(c.num)
		case opRecordID:
			n += idLen
		case opRecordPayload:
			n += int(c.info.recordBytes)
		default:
			n += len(c.piece(sg))
		}
	}
	return n
}

// digitsBelow is how many decimal digits 0, 1, ..., n-1 take together.
func digitsBelow(n int64) int64 {
	total := max(n, 0)
	for p := int64(10); p < n; p *= 10 {
		total += n - p
		if p > (1<<62)/10 {
			break
		}
	}
	return total
}
