package traffic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Each format, made from the same known traffic, imports to the same
// callers, uploads, sizes and methods; arrivals as precise as the format
// logs them.
func TestImportFormats(t *testing.T) {
	k := known()
	for _, tc := range []struct {
		format, file string
		as           Format
		opts         []Option
		tol          time.Duration
		bytesKey     string
	}{
		// $time_local has whole seconds: the arrival is within one.
		{"nginx", "access.log", FormatNginx, nil, time.Second, "request_length"},
		{"nginx-json", "access.json.log", FormatNginxJSON, nil, time.Millisecond, "request_length"},
		{"alb", "alb.log.gz", FormatALB, nil, 0, "received_bytes"},
		{"jsonl", "app.jsonl", FormatJSONL, nil, 0, "request_bytes"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			log := writeLog(t, t.TempDir(), tc.file, k, tc.format)
			sum, tr := importTrace(t, []string{log}, append(tc.opts, WithFormat(tc.as))...)
			wantCallers(t, tr, k, tc.tol)
			if sum.Bad != 0 {
				t.Fatalf("bad lines: %d, first %v", sum.Bad, sum.FirstBad)
			}
			if health := int64(len(k.Uploads) - 2000); sum.NoCaller != health {
				t.Fatalf("lines without a caller: %d, want the %d health checks", sum.NoCaller, health)
			}
			if sum.BytesKey != tc.bytesKey || tr.Header().Bytes != tc.bytesKey {
				t.Fatalf("bytes key %q / %q, want %q", sum.BytesKey, tr.Header().Bytes, tc.bytesKey)
			}
			if tc.tol < time.Second {
				if want := wantRetries(k); sum.Retries != want {
					t.Fatalf("retries %d, want %d", sum.Retries, want)
				}
			}
		})
	}
}

// The caller rules each find the same callers, hashed or not.
func TestImportCallerRules(t *testing.T) {
	k := known()
	dir := t.TempDir()
	nj := writeLog(t, dir, "a.json", k, "nginx-json")
	jl := writeLog(t, dir, "a.jsonl", k, "jsonl")
	for _, tc := range []struct {
		name, rule, log string
		f               Format
	}{
		{"header", "header:X-Tenant", nj, FormatNginxJSON},
		{"field", "field:tenant.id", jl, FormatJSONL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseCallerRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			sum, tr := importTrace(t, []string{tc.log}, WithFormat(tc.f), WithCaller(r))
			if sum.Callers != 40 || sum.Uploads != 2000 {
				t.Fatalf("callers %d uploads %d, want 40 and 2000", sum.Callers, sum.Uploads)
			}
			// The caller stands in the path as a segment: it is templated
			// there too.
			if p := tr.Callers()[0].Uploads[0].Path; p != "/v1/callers/{caller}/records" {
				t.Fatalf("path %q", p)
			}
		})
	}
	// ip: one address per caller, plus the health checker's.
	sum, _ := importTrace(t, []string{nj}, WithFormat(FormatNginxJSON), WithCaller(CallerRule{Kind: CallerIP}))
	if sum.Callers != 41 {
		t.Fatalf("ip: %d callers, want 40 and the health checker", sum.Callers)
	}
}

// --hash-callers: no identity enters the trace, names are stable for a
// key and differ between keys.
func TestImportHashed(t *testing.T) {
	k := known()
	log := writeLog(t, t.TempDir(), "a.log", k, "nginx")
	var raw []byte
	names := func(key string) map[string]bool {
		var buf strings.Builder
		_, err := Import(context.Background(), &buf, []string{log}, WithHashKey([]byte(key)), WithTempDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		raw = []byte(buf.String())
		tr, err := Read(strings.NewReader(buf.String()), "x")
		if err != nil {
			t.Fatal(err)
		}
		if !tr.Header().Hashed {
			t.Fatal("header does not say hashed")
		}
		out := map[string]bool{}
		for _, c := range tr.Callers() {
			if !regexp.MustCompile(`^c-[0-9a-f]{16}$`).MatchString(c.Name) {
				t.Fatalf("hashed name %q", c.Name)
			}
			out[c.Name] = true
		}
		return out
	}
	a, a2, b := names("k1"), names("k1"), names("k2")
	if len(a) != 40 || !sameKeys(a, a2) {
		t.Fatalf("the same key gave other names")
	}
	for n := range a {
		if b[n] {
			t.Fatalf("two keys gave the same name %s", n)
		}
	}
	plain := decompress(t, raw)
	if strings.Contains(plain, "tenant-") {
		t.Fatal("a caller's identity is in the hashed trace")
	}
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// Several logs merge in time order into the trace one log would give,
// plain and gzip'd mixed; the merge yields records in time order.
func TestImportMerge(t *testing.T) {
	k := known()
	dir := t.TempDir()
	parts := k.Split(3)
	logs := []string{
		writeLog(t, dir, "a.log", parts[0], "alb"),
		writeLog(t, dir, "b.log.gz", parts[1], "alb"),
		writeLog(t, dir, "c.log", parts[2], "alb"),
	}
	_, tr := importTrace(t, logs, WithFormat(FormatALB))
	wantCallers(t, tr, k, 0)
	if got := tr.Header().Sources; len(got) != 3 {
		t.Fatalf("sources %v", got)
	}
	// The merge itself: records come out in time order.
	var srcs []*source
	bad := &badLines{}
	for i, l := range logs {
		s, err := openSource(l, i, &albParser{}, bad)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close() //nolint:errcheck // test
		srcs = append(srcs, s)
	}
	m, err := newMerger(srcs)
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	n := 0
	for s := m.peek(); s != nil; s = m.peek() {
		if s.rec.logged < last {
			t.Fatalf("record %d logged at %d after %d", n, s.rec.logged, last)
		}
		last = s.rec.logged
		n++
		if err := m.advance(); err != nil {
			t.Fatal(err)
		}
	}
	if n != len(k.Uploads) {
		t.Fatalf("merged %d records, want %d", n, len(k.Uploads))
	}
}

// Filters: the time window, path, method, and a consistent sample of
// callers.
func TestImportFilters(t *testing.T) {
	k := known()
	dir := t.TempDir()
	log := writeLog(t, dir, "a.jsonl", k, "jsonl")
	count := func(keep func(u int) bool) (callers int, uploads int64) {
		seen := map[string]bool{}
		for i, u := range k.Uploads {
			if !u.Health && keep(i) {
				seen[u.Caller] = true
				uploads++
			}
		}
		return len(seen), uploads
	}
	since, _ := ParseTimeBound("2024-05-01T14:02:00Z")
	until, _ := ParseTimeBound("+5m")
	sum, _ := importTrace(t, []string{log}, WithFormat(FormatJSONL), WithSince(since), WithUntil(until))
	first := k.Uploads[0].At
	c, u := count(func(i int) bool {
		at := k.Uploads[i].At
		return !at.Before(since.At) && at.Before(first.Add(5*time.Minute))
	})
	if sum.Callers != c || sum.Uploads != u {
		t.Fatalf("window: %d callers %d uploads, want %d and %d", sum.Callers, sum.Uploads, c, u)
	}
	sum, _ = importTrace(t, []string{log}, WithFormat(FormatJSONL), WithMethods("put"))
	c, u = count(func(i int) bool { return k.Uploads[i].Method == "PUT" })
	if sum.Callers != c || sum.Uploads != u || len(sum.Methods) != 1 {
		t.Fatalf("method: %d callers %d uploads %v, want %d and %d", sum.Callers, sum.Uploads, sum.Methods, c, u)
	}
	sum, _ = importTrace(t, []string{log}, WithFormat(FormatJSONL), WithPath(regexp.MustCompile(`tenant-0000[0-4]/`)))
	c, u = count(func(i int) bool {
		return strings.Contains(k.Uploads[i].Path, "tenant-0000") && k.Uploads[i].Caller < "tenant-00005"
	})
	if sum.Callers != c || sum.Uploads != u {
		t.Fatalf("path: %d callers %d uploads, want %d and %d", sum.Callers, sum.Uploads, c, u)
	}
	// --callers 7: seven callers, all their uploads, the same seven from
	// the logs in any order.
	sum, tr := importTrace(t, []string{log}, WithFormat(FormatJSONL), WithCallers(7))
	parts := k.Split(2)
	alt := []string{writeLog(t, dir, "p1.jsonl", parts[1], "jsonl"), writeLog(t, dir, "p0.jsonl", parts[0], "jsonl")}
	_, tr2 := importTrace(t, alt, WithFormat(FormatJSONL), WithCallers(7))
	if sum.Callers != 7 || sum.CallersSeen != 41-1 {
		t.Fatalf("sample: %d of %d callers", sum.Callers, sum.CallersSeen)
	}
	truth := k.Callers()
	a, b := map[string]bool{}, map[string]bool{}
	for i, c := range tr.Callers() {
		a[c.Name], b[tr2.Callers()[i].Name] = true, true
		if len(c.Uploads) != len(truth[c.Name]) {
			t.Fatalf("sampled caller %s: %d uploads, want all %d", c.Name, len(c.Uploads), len(truth[c.Name]))
		}
	}
	if !sameKeys(a, b) {
		t.Fatalf("the sample changed with the order of the logs: %v vs %v", a, b)
	}
}

// Query strings are dropped unless kept.
func TestImportQuery(t *testing.T) {
	log := writeLog(t, t.TempDir(), "a.log", known(), "nginx")
	_, tr := importTrace(t, []string{log}, WithQuery(true))
	q := 0
	for _, c := range tr.Callers() {
		for _, u := range c.Uploads {
			if strings.HasPrefix(u.Path, "/v1/callers/{caller}/records?batch=") {
				q++
			}
		}
	}
	if q == 0 || !tr.Header().Query {
		t.Fatal("no query kept")
	}
}

// Bad lines are counted and shown with their line numbers; the import
// fails only above --max-bad.
func TestImportBadLines(t *testing.T) {
	k := known()
	dir := t.TempDir()
	log := writeLog(t, dir, "a.log", k, "nginx")
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines[2] = "garbage\n"
	lines[9] = `1.2.3.4 - - [01/May/2024:14:00:00 +0000] "-" 400 0 "-" "-"` + "\n"
	bad := filepath.Join(dir, "bad.log")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, _ := importTrace(t, []string{bad})
	if sum.Bad != 2 || len(sum.FirstBad) != 2 || sum.FirstBad[0].Line != 3 || sum.FirstBad[1].Line != 10 {
		t.Fatalf("bad %d, first %v", sum.Bad, sum.FirstBad)
	}
	_, err = Import(context.Background(), io.Discard, []string{bad}, WithMaxBad(0.0005), WithTempDir(t.TempDir()))
	var be *BadLinesError
	if !errors.As(err, &be) || !errors.Is(err, ErrInput) || be.Bad != 2 || !strings.Contains(err.Error(), "bad.log:3:") {
		t.Fatalf("err = %v", err)
	}
}

// A log without a caller under the rule says so and suggests others.
func TestImportNoCaller(t *testing.T) {
	log := writeLog(t, t.TempDir(), "a.log", known(), "nginx")
	r, _ := ParseCallerRule(`path:^/api/([^/]+)`)
	_, err := Import(context.Background(), io.Discard, []string{log}, WithCaller(r), WithTempDir(t.TempDir()))
	var nc *NoCallerError
	if !errors.As(err, &nc) || !errors.Is(err, ErrInput) {
		t.Fatalf("err = %v", err)
	}
	hint := nc.Hint()
	for _, want := range []string{"--caller ip", DefaultCallerRule, "header:User-Agent"} {
		if !strings.Contains(hint, want) {
			t.Fatalf("hint %q lacks %q", hint, want)
		}
	}
}

// Options that cannot work are usage errors, before anything is read.
func TestImportUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func() error
	}{
		{"no log", func() error { _, err := Import(context.Background(), nil, nil); return err }},
		{"format", func() error { _, err := ParseFormat("apache"); return err }},
		{"rule", func() error { _, err := ParseCallerRule("cookie:x"); return err }},
		{"no group", func() error { _, err := ParseCallerRule("path:^/v1/"); return err }},
		{"header in combined", func() error {
			_, err := Import(context.Background(), nil, []string{"x"}, WithCaller(CallerRule{Kind: CallerHeader, Name: "X-Tenant"}))
			return err
		}},
		{"map", func() error { _, err := ParseFieldMap(FormatJSONL, []string{"when=ts"}); return err }},
		{"since", func() error { _, err := ParseTimeBound("yesterday"); return err }},
	} {
		if err := tc.f(); !errors.Is(err, ErrUsage) {
			t.Errorf("%s: err = %v, want ErrUsage", tc.name, err)
		}
	}
}

// The summary's numbers on a log built for them: 3 callers, sizes 100..,
// a peak of 4 in one second.
func TestImportSummary(t *testing.T) {
	lines := []string{
		`{"time":"2024-05-01T14:00:00.100Z","method":"POST","path":"/v1/callers/a/x","status":503,"bytes":100}`,
		`{"time":"2024-05-01T14:00:00.200Z","method":"POST","path":"/v1/callers/b/x","status":201,"bytes":200}`,
		`{"time":"2024-05-01T14:00:00.300Z","method":"POST","path":"/v1/callers/c/x","status":201,"bytes":300}`,
		`{"time":"2024-05-01T14:00:00.400Z","method":"POST","path":"/v1/callers/a/x","status":201,"bytes":100}`,
		`{"time":"2024-05-01T14:00:05.000Z","method":"POST","path":"/v1/callers/a/x","status":201,"bytes":10000}`,
	}
	p := filepath.Join(t.TempDir(), "s.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, tr := importTrace(t, []string{p}, WithFormat(FormatJSONL))
	if sum.Callers != 3 || sum.Uploads != 5 || sum.Span != 4900*time.Millisecond || sum.PeakPerSecond != 4 ||
		sum.BytesMedian != 200 || sum.BytesP99 != 10000 || sum.BytesMax != 10000 || sum.Retries != 1 {
		t.Fatalf("summary %+v", sum)
	}
	a := tr.Callers()[0]
	if a.Name != "a" || len(a.Uploads) != 3 || a.Uploads[1].Offset != 300*time.Millisecond || !a.Uploads[1].Retry || a.Uploads[0].Status != 503 {
		t.Fatalf("caller a: %+v", a)
	}
}

// Combined without $request_length: refused without a size chosen; with
// one, the same callers and uploads, each of the size assumed, and the
// header says the sizes were not logged.
func TestImportNginxWithoutSizes(t *testing.T) {
	k := known()
	log := writeLog(t, t.TempDir(), "plain.log", k, "nginx-plain")
	if _, err := Import(t.Context(), nil, []string{log}, WithTempDir(t.TempDir())); !errors.Is(err, ErrInput) {
		t.Fatalf("import without sizes: %v, want ErrInput", err)
	}
	sum, tr := importTrace(t, []string{log}, WithAssumeSize(4096))
	if sum.Callers != 40 || sum.Uploads != 2000 || sum.BytesKey != "" || tr.Header().Bytes != "" || sum.BytesMax != 4096 ||
		sum.Unsized != 2000 || tr.Header().Unsized != 2000 || sum.Retries != 0 || !strings.Contains(tr.Header().SizeNote(), "4.1 KB") {
		t.Fatalf("summary %+v", sum)
	}
}

// A JSON line whose body field is absent ("" or "-": no Content-Length)
// takes its size from the next field it logs; the summary counts each.
func TestImportSizeFallback(t *testing.T) {
	lines := []string{
		`{"time_iso8601":"2024-05-01T14:00:00+00:00","request":"POST /v1/callers/a/x HTTP/1.1","status":"201","content_length":"100","request_length":"260"}`,
		`{"time_iso8601":"2024-05-01T14:00:01+00:00","request":"POST /v1/callers/a/x HTTP/1.1","status":"201","content_length":"","request_length":"9178"}`,
		`{"time_iso8601":"2024-05-01T14:00:02+00:00","request":"POST /v1/callers/b/x HTTP/1.1","status":"201","content_length":"300","request_length":"460"}`,
		`{"time_iso8601":"2024-05-01T14:00:03+00:00","request":"POST /v1/callers/b/x HTTP/1.1","status":"201","content_length":"-","request_length":"-"}`,
	}
	p := filepath.Join(t.TempDir(), "f.json.log")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, tr := importTrace(t, []string{p}, WithFormat(FormatNginxJSON))
	want := []SizeSource{{"content_length", 2}, {"request_length", 1}}
	if fmt.Sprint(sum.SizeFrom) != fmt.Sprint(want) || sum.BytesKey != "content_length" || sum.Unsized != 1 ||
		fmt.Sprint(tr.Header().BytesFrom) != fmt.Sprint(want) || tr.Header().Unsized != 1 {
		t.Fatalf("sizes from %+v (key %q, unsized %d), header %+v; want %+v and 1 unsized", sum.SizeFrom, sum.BytesKey, sum.Unsized, tr.Header(), want)
	}
	if got := sizes(tr.Callers()[0].Uploads) + " " + sizes(tr.Callers()[1].Uploads); got != "POST:100,POST:9178 POST:0,POST:300" {
		t.Fatalf("sizes %s", got)
	}
	if n := tr.Header().SizeNote(); !strings.Contains(n, "not logged for 1 of 4 uploads") || !strings.Contains(n, "smallest body") {
		t.Fatalf("size note %q", n)
	}
}
