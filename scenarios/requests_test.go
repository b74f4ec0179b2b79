package scenarios

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// requests builds the Requests of s, with its population.
func requests(t testing.TB, s *Scenario) (*Requests, *Population) {
	t.Helper()
	pop, err := NewPopulation(s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRequests(s, pop, env)
	if err != nil {
		t.Fatal(err)
	}
	return r, pop
}

// withBody is templated(...) with a long-form upload of body b.
func withBody(b Body, records Distribution) *Scenario {
	s := templated(Upload{Method: "PUT", Path: "/t/{var.tenant}/{caller}?try={attempt.try}",
		Headers: map[string]string{"Authorization": "Bearer ${TOKEN}"}, Body: b})
	s.Callers.Records = records
	return s
}

// readAll reads r through a buffer of size bytes.
func readAll(t testing.TB, r io.Reader, size int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out
		}
		if err != nil || n == 0 {
			t.Fatalf("read: %d, %v", n, err)
		}
	}
}

// TestReferenceRequest: the one-line form sends exactly what the storm
// sent before templates: the reference body (referenceBody), Content-Type
// application/json and the caller's Idempotency-Key.
func TestReferenceRequest(t *testing.T) {
	s := templated(Upload{Method: "POST", Path: "/v1/callers/{caller}/records"})
	s.Callers.Records = Distribution{Median: 20, P99: 200, Max: 400}
	s.Callers.RecordBytes = 200
	r, pop := requests(t, s)
	for _, i := range []int{0, 3, 7, 19} {
		want := referenceBody(pop, i)
		for _, size := range []int{1, 7, 250, 32 << 10} {
			if got := readAll(t, r.Body(i, 1), size); !bytes.Equal(got, want) {
				t.Fatalf("caller %d, buffer %d: body differs from the reference", i, size)
			}
		}
		if r.BodyLen(i, 3) != int64(len(want)) {
			t.Fatalf("caller %d: BodyLen %d, reference %d", i, r.BodyLen(i, 3), len(want))
		}
		wantH := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {pop.Caller(i).IdempotencyKey}}
		if h := header(t, r, i, 2); fmt.Sprint(h) != fmt.Sprint(wantH) {
			t.Fatalf("caller %d: header %v, want %v", i, h, wantH)
		}
		if p := r.Path(i, 1); p != "/v1/callers/"+pop.Caller(i).Name+"/records" {
			t.Fatalf("path %q", p)
		}
	}
	if r.Method() != "POST" || r.StatusPath(0, "x") != "" || r.VerifyPath(0) != "" || len(r.Secrets()) != 0 {
		t.Fatalf("method %q, status %q, verify %q, secrets %d", r.Method(), r.StatusPath(0, "x"), r.VerifyPath(0), len(r.Secrets()))
	}
}

// TestCallerNames: the names and keys templates render are the
// population's, past five digits too.
func TestCallerNames(t *testing.T) {
	s := templated(Upload{Method: "POST", Path: "/{caller}"})
	s.Callers.Count = 123457
	s.Callers.Records = Distribution{Fixed: 1}
	r, pop := requests(t, s)
	for _, i := range []int{0, 7, 9999, 99999, 100000, 123456} {
		c := pop.Caller(i)
		if got := string(appendCallerName(nil, i)); got != c.Name {
			t.Fatalf("caller %d: %q, population %q", i, got, c.Name)
		}
		if got := header(t, r, i, 1).Get("Idempotency-Key"); got != c.IdempotencyKey {
			t.Fatalf("caller %d: key %q, population %q", i, got, c.IdempotencyKey)
		}
	}
}

// format is one body template under test and how to read its records'
// ids back with the real decoder.
type format struct {
	name  string
	body  Body
	ids   func(t *testing.T, b []byte) []string
	ctype string
}

var jsonIDs = func(t *testing.T, b []byte) []string {
	var doc struct {
		Tenant string
		Items  []struct{ ID, V string }
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Tenant == "" {
		t.Fatalf("json: %v (tenant %q)", err, doc.Tenant)
	}
	var ids []string
	for _, it := range doc.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func ndjsonIDs(t *testing.T, b []byte) []string {
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ ID string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("ndjson line %q: %v", sc.Text(), err)
		}
		ids = append(ids, rec.ID)
	}
	return ids
}

func csvIDs(t *testing.T, b []byte) []string {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != "id,index,value" {
		t.Fatalf("csv: %v, header %v", err, rows[:min(len(rows), 1)])
	}
	var ids []string
	for _, row := range rows[1:] {
		ids = append(ids, row[0])
	}
	return ids
}

func formats() []format {
	rec := `{"id":"{record.id}","i":{record.index},"v":"{record.payload}","try":{attempt.try}}`
	csvRec := "{record.id},{record.index},{record.payload}"
	return []format{
		{"json", Body{Format: FormatJSON, Record: `{"id":"{record.id}","v":"{record.payload}"}`,
			Envelope: `{"tenant":"{caller}","class":"{caller.class}","items":[{records}]}`}, jsonIDs, "application/json"},
		{"ndjson", Body{Format: FormatNDJSON, Record: rec}, ndjsonIDs, "application/x-ndjson"},
		{"csv", Body{Format: FormatCSV, CSVHeader: "id,index,value", Record: csvRec}, csvIDs, "text/csv"},
		{"raw", Body{Format: FormatRaw}, nil, "application/octet-stream"},
		{"multipart-csv", Body{Format: FormatMultipart, CSVHeader: "id,index,value", Record: csvRec,
			Part:   &Part{Field: "upload", Filename: "{caller}-{attempt.try}.csv", Format: FormatCSV},
			Fields: map[string]string{"tenant": "{var.tenant}", "token": "${TOKEN}", "a": "{caller}"}}, csvIDs, "multipart/form-data"},
		{"multipart-json", Body{Format: FormatMultipart, Envelope: `{"tenant":"{caller}","items":[{records}]}`,
			Record: `{"id":"{record.id}"}`, Part: &Part{}}, jsonIDs, "multipart/form-data"},
		{"multipart-ndjson", Body{Format: FormatMultipart, Record: rec, Part: &Part{Format: FormatNDJSON, ContentType: "application/jsonl"}},
			ndjsonIDs, "multipart/form-data"},
		{"multipart-raw", Body{Format: FormatMultipart, Part: &Part{Format: FormatRaw}}, nil, "multipart/form-data"},
	}
}

// fileOf reads a multipart body with mime/multipart: its plain fields and
// the file part's content.
func fileOf(t *testing.T, h http.Header, b []byte) (map[string]string, *multipart.Part, []byte) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(bytes.NewReader(b), params["boundary"])
	fields := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("multipart: no file part: %v", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if p.FileName() != "" {
			if _, err := mr.NextPart(); err != io.EOF {
				t.Fatalf("multipart: a part after the file: %v", err)
			}
			return fields, p, data
		}
		fields[p.FormName()] = string(data)
	}
}

// TestFormats: every format parses back with the real decoder, with the
// caller's number of records and their ids, and BodyLen is exact for
// record counts on both sides of an index digit and several tries.
func TestFormats(t *testing.T) {
	for _, f := range formats() {
		t.Run(f.name, func(t *testing.T) {
			for _, records := range []int{1, 10, 11, 101} {
				r, pop := requests(t, withBody(f.body, Distribution{Fixed: records}))
				for _, try := range []int32{1, 9, 10, 1234} {
					i := 13
					got := readAll(t, r.Body(i, try), 32<<10)
					if int64(len(got)) != r.BodyLen(i, try) {
						t.Fatalf("%d records, try %d: read %d bytes, BodyLen %d", records, try, len(got), r.BodyLen(i, try))
					}
					h := header(t, r, i, try)
					if !strings.HasPrefix(h.Get("Content-Type"), f.ctype) || h.Get("Authorization") != "Bearer s3cr3t-t0ken" {
						t.Fatalf("header %v", h)
					}
					checkContent(t, f, pop, r, h, got, records, try)
				}
			}
		})
	}
}

// checkContent reads a body back as its format says.
func checkContent(t *testing.T, f format, pop *Population, r *Requests, h http.Header, got []byte, records int, try int32) {
	const i = 13
	content := got
	if f.body.Format == FormatMultipart {
		fields, part, data := fileOf(t, h, got)
		wantName := "caller-00013." + fileExt[BodyFormat(or(string(f.body.Part.Format), "json"))]
		if f.name == "multipart-csv" {
			wantName = fmt.Sprintf("caller-00013-%d.csv", try)
			if fields["tenant"] != "acme" || fields["token"] != "s3cr3t-t0ken" || fields["a"] != "caller-00013" || part.FormName() != "upload" {
				t.Fatalf("fields %v, part %q", fields, part.FormName())
			}
		}
		if part.FileName() != wantName {
			t.Fatalf("file name %q, want %q", part.FileName(), wantName)
		}
		content = data
	}
	if f.ids == nil { // raw: the records' payloads, nothing else
		var want []byte
		for j := range records {
			want = append(want, pop.Payload(i, j)...)
		}
		if !bytes.Equal(content, want) {
			t.Fatalf("raw body is not the caller's payloads")
		}
		return
	}
	ids := f.ids(t, content)
	if len(ids) != records || ids[0] != "c0000013-r0000000" || ids[records-1] != fmt.Sprintf("c0000013-r%07d", records-1) {
		t.Fatalf("%d ids (want %d): %v", len(ids), records, ids[:min(3, len(ids))])
	}
}

// BodyLen counts {record.index} digits exactly: 0..9 take one, 10..99
// two.
func TestDigitsBelow(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 11, 100, 101, 12345} {
		want := int64(0)
		for j := range n {
			want += int64(len(fmt.Sprint(j)))
		}
		if got := digitsBelow(n); got != want {
			t.Errorf("digitsBelow(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestBodyReadSizes: a body read through any buffer size is the same
// bytes, so the whole-record path and the piece path agree.
func TestBodyReadSizes(t *testing.T) {
	for _, f := range formats() {
		r, _ := requests(t, withBody(f.body, Distribution{Median: 30, P99: 90, Max: 120}))
		for i := range 3 {
			want := readAll(t, r.Body(i, 2), 1<<20)
			for _, size := range []int{1, 2, 7, 63, 64, 65, 200, 4096} {
				if got := readAll(t, r.Body(i, 2), size); !bytes.Equal(got, want) {
					t.Fatalf("%s caller %d, buffer %d: %d bytes differ from %d", f.name, i, size, len(got), len(want))
				}
			}
		}
	}
}

// TestSeeds: the same seed renders byte-identical bodies (multipart
// boundaries included); another seed renders different ones.
func TestSeeds(t *testing.T) {
	for _, f := range formats() {
		s := withBody(f.body, Distribution{Fixed: 5})
		a, _ := requests(t, s)
		b, _ := requests(t, s)
		s.Seed++
		c, _ := requests(t, s)
		x, y, z := readAll(t, a.Body(3, 1), 512), readAll(t, b.Body(3, 1), 512), readAll(t, c.Body(3, 1), 512)
		if !bytes.Equal(x, y) || bytes.Equal(x, z) {
			t.Fatalf("%s: same seed equal %v, other seed equal %v", f.name, bytes.Equal(x, y), bytes.Equal(x, z))
		}
		if fmt.Sprint(header(t, a, 3, 1)) != fmt.Sprint(header(t, b, 3, 1)) {
			t.Fatalf("%s: same seed, different headers", f.name)
		}
	}
}

// TestPaths: values are escaped where they land, the status path gets
// the upload's id and the verify path the caller.
func TestPaths(t *testing.T) {
	s := withBody(Body{}, Distribution{Fixed: 2})
	s.Callers.Vars = map[string]string{"tenant": "a b/c"}
	s.API.Upload.Path = "/t/{var.tenant}/{caller}?t={var.tenant}&try={attempt.try}"
	s.API.Status = &Status{Path: "/jobs/{upload.id}?c={caller}"}
	s.API.Verify = &Verify{Path: "/t/{caller}/records"}
	r, _ := requests(t, s)
	for _, c := range []struct{ got, want string }{
		{r.Path(4, 12), "/t/a%20b%2Fc/caller-00004?t=a+b%2Fc&try=12"},
		{r.StatusPath(4, "j/1 2"), "/jobs/j%2F1%202?c=caller-00004"},
		{r.VerifyPath(4), "/t/caller-00004/records"},
	} {
		if c.got != c.want {
			t.Errorf("path %q, want %q", c.got, c.want)
		}
	}
}

// TestHeaders: the user's headers with {body.length}, the format's
// Content-Type unless the user set one, and a boundary added to a user's
// multipart Content-Type.
func TestHeaders(t *testing.T) {
	s := withBody(Body{Format: FormatCSV}, Distribution{Fixed: 3})
	s.API.Upload.Headers = map[string]string{"upload-length": "{body.length}", "x-try": "{attempt.try}", "content-type": "text/plain"}
	r, _ := requests(t, s)
	h := header(t, r, 1, 7)
	if h.Get("Upload-Length") != fmt.Sprint(r.BodyLen(1, 7)) || h.Get("X-Try") != "7" || h.Get("Content-Type") != "text/plain" || len(h) != 3 {
		t.Fatalf("headers %v", h)
	}
	s = withBody(Body{Format: FormatMultipart, Part: &Part{}}, Distribution{Fixed: 3})
	s.API.Upload.Headers = map[string]string{"Content-Type": "multipart/form-data"}
	r, _ = requests(t, s)
	_, params, err := mime.ParseMediaType(header(t, r, 1, 1).Get("Content-Type"))
	if err != nil || len(params["boundary"]) != boundaryLen {
		t.Fatalf("multipart content type %q: %v", header(t, r, 1, 1).Get("Content-Type"), err)
	}
}

// TestSecrets: a secret's value is in the request, listed by Secrets,
// and nowhere in the Requests' printed forms or in errors.
func TestSecrets(t *testing.T) {
	s := withBody(Body{Format: FormatMultipart, Part: &Part{}, Fields: map[string]string{"k": "${TOKEN}"}}, Distribution{Fixed: 2})
	r, _ := requests(t, s)
	if got := r.Secrets(); len(got) != 1 || got[0] != "s3cr3t-t0ken" {
		t.Fatalf("secrets %q", got)
	}
	printed := fmt.Sprintf("%v %+v %#v %s %q", r, r, r, r, r)
	if strings.Contains(printed, "s3cr3t") || !strings.Contains(printed, "PUT /t/") {
		t.Fatalf("printed: %s", printed)
	}
	s.API.Upload.Headers["X-Other"] = "${NOT_SET}"
	s.API.Upload.Path = "/{caller}/{records}"
	pop, _ := NewPopulation(s)
	_, err := NewRequests(s, pop, env)
	if err == nil || !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "s3cr3t") ||
		!strings.Contains(err.Error(), "${NOT_SET} is not set") || !strings.Contains(err.Error(), "api.upload.path") {
		t.Fatalf("error: %v", err)
	}
}

// TestBodyAllocations: a body costs at most 2 allocations, whatever its
// size and format.
func TestBodyAllocations(t *testing.T) {
	buf := make([]byte, 32<<10)
	for _, f := range formats() {
		r, _ := requests(t, withBody(f.body, Distribution{Fixed: 500}))
		allocs := testing.AllocsPerRun(20, func() {
			b := r.Body(2, 3)
			for {
				if _, err := b.Read(buf); err != nil {
					break
				}
			}
		})
		if allocs > 2 {
			t.Errorf("%s: %.0f allocations per body", f.name, allocs)
		}
	}
}

// BenchmarkBodyFormats renders bodies of 1,000 records of 200 bytes into a
// 32 KiB buffer, as an HTTP transport reads them. (BenchmarkBody is the
// reference body's, in scenarios_test.go.)
func BenchmarkBodyFormats(b *testing.B) {
	for _, f := range formats() {
		switch f.name {
		case "json", "ndjson", "csv", "multipart-csv", "raw":
		default:
			continue
		}
		b.Run(f.name, func(b *testing.B) {
			s := withBody(f.body, Distribution{Fixed: 1000})
			s.Callers.RecordBytes = 200
			r, _ := requests(b, s)
			buf := make([]byte, 32<<10)
			b.SetBytes(r.BodyLen(1, 1))
			b.ReportAllocs()
			for b.Loop() {
				body := r.Body(1, 1)
				for {
					if _, err := body.Read(buf); err != nil {
						break
					}
				}
			}
		})
	}
}

// header is r.Header for the test, failing it on an error.
func header(t testing.TB, r *Requests, caller int, try int32) http.Header {
	t.Helper()
	h, err := r.Header(caller, try)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// referenceBody is caller i's reference body written out by hand:
// {"records":[{"id":"c0000042-r0000000","payload":{"d":"<its payload>"}},...]}.
func referenceBody(pop *Population, i int) []byte {
	b := []byte(`{"records":[`)
	for j := range pop.Caller(i).Records {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`+RecordID(i, j)+`","payload":{"d":"`...)
		b = append(b, pop.Payload(i, j)...)
		b = append(b, `"}}`...)
	}
	return append(b, `]}`...)
}
