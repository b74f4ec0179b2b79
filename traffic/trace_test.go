package traffic

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleTrace() (Header, []CallerTrace) {
	h := Header{Sources: []string{"a.log"}, Format: FormatNginx, Caller: DefaultCallerRule,
		Bytes: "request_length", Start: t0, SpanMS: 2500, Callers: 2, Uploads: 3}
	cs := []CallerTrace{
		{Name: "b\"\\é", Uploads: []Upload{{Offset: 2500 * time.Millisecond, Method: "PUT", Path: "/v1/callers/{caller}/records", Bytes: 7, Status: 0}}},
		{Name: "a", Uploads: []Upload{
			{Offset: 0, Method: "POST", Path: "/v1/callers/{caller}/records", Bytes: 12345, Status: 503},
			{Offset: 1200 * time.Millisecond, Method: "POST", Path: "/v1/callers/{caller}/records", Bytes: 12345, Status: 201, Retry: true},
		}},
	}
	return h, cs
}

func writeTrace(t *testing.T, h Header, cs []CallerTrace) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if err := w.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// What the Writer writes the Reader reads back; Callers are ordered by
// their first upload.
func TestTraceRoundTrip(t *testing.T) {
	h, cs := sampleTrace()
	tr, err := Read(bytes.NewReader(writeTrace(t, h, cs)), "x")
	if err != nil {
		t.Fatal(err)
	}
	h.Version = Version
	if !reflect.DeepEqual(tr.Header(), h) {
		t.Fatalf("header\n got %+v\nwant %+v", tr.Header(), h)
	}
	want := []CallerTrace{cs[1], cs[0]}
	if !reflect.DeepEqual(tr.Callers(), want) {
		t.Fatalf("callers\n got %+v\nwant %+v", tr.Callers(), want)
	}
	if u := tr.Callers()[0].Uploads[1]; u.At(2) != 600*time.Millisecond || u.Failed() {
		t.Fatalf("At(2) = %s", u.At(2))
	}
}

// A trace of another version, a file that is not one, and a trace cut
// short are clear errors.
func TestTraceErrors(t *testing.T) {
	h, cs := sampleTrace()
	good := decompress(t, writeTrace(t, h, cs))
	for _, tc := range []struct {
		name, text, want string
	}{
		{"version", strings.Replace(good, `"rehearse_trace":1`, `"rehearse_trace":2`, 1), "is version 2, this rehearse reads version 1"},
		{"not a trace", `{"hello":1}` + "\n", "not a trace"},
		{"empty", "", "the file is empty"},
		{"cut short", good[:strings.LastIndex(strings.TrimSpace(good), "\n")+1], "cut short: the header announces 2 callers and 3 uploads, the file holds 1 and 1"},
		{"bad line", good + "{\"caller\":\"c\",\"uploads\":[{\"t\":\"x\"}]}\n", "line 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.text), "t.trace.jsonl.gz")
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	var ve *VersionError
	_, err := Read(strings.NewReader(strings.Replace(good, `"rehearse_trace":1`, `"rehearse_trace":2`, 1)), "x")
	if !errors.As(err, &ve) || ve.Got != 2 {
		t.Fatalf("err = %v, want a *VersionError", err)
	}
	// A gzip stream cut short.
	z := writeTrace(t, h, cs)
	if _, err := Read(bytes.NewReader(z[:len(z)-10]), "x"); !errors.Is(err, ErrInput) {
		t.Fatalf("truncated gzip: err = %v", err)
	}
	// The writer refuses to close a trace that does not hold what its
	// header said.
	w, _ := NewWriter(&bytes.Buffer{}, h)
	if err := w.Close(); err == nil {
		t.Fatal("a trace without its callers closed without error")
	}
}
