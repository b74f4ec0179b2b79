package traffic

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// checkRecord holds what every parser promises of a record it accepts.
func checkRecord(t *testing.T, r *record) {
	t.Helper()
	if !isToken(r.method) || len(r.target) == 0 || r.target[0] != '/' {
		t.Fatalf("accepted method %q target %q", r.method, r.target)
	}
	if r.status != 0 && (r.status < 100 || r.status > 999) {
		t.Fatalf("status %d", r.status)
	}
	if r.bytes < 0 {
		t.Fatalf("bytes %d", r.bytes)
	}
}

func seedLines(f *testing.F, format string) {
	var buf bytes.Buffer
	if err := known().Write(&buf, format); err != nil {
		f.Fatal(err)
	}
	for i, l := range strings.Split(buf.String(), "\n") {
		if i < 5 {
			f.Add(l)
		}
	}
}

func FuzzNginx(f *testing.F) {
	seedLines(f, "nginx")
	seedLines(f, "nginx-plain")
	f.Add(`1.2.3.4 - - [01/May/2024:14:00:00 +0000] "-" 400 0 "-" "-"`)
	f.Add(`::1 - u [01/May/2024:14:00:00 -0130] "GET http://h/x?y HTTP/1.0" 200 1 "a" "b" - -`)
	p := &nginxParser{header: "user-agent"}
	f.Fuzz(func(t *testing.T, line string) {
		var r record
		if p.parse([]byte(line), &r) == nil {
			checkRecord(t, &r)
		}
	})
}

func FuzzALB(f *testing.F) {
	seedLines(f, "alb")
	f.Add(`http 2018-07-02T22:23:00.186641Z app/x 192.168.131.39:2817 - -1 -1 -1 460 - 34 0 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - -`)
	p := &albParser{ua: true}
	f.Fuzz(func(t *testing.T, line string) {
		var r record
		if p.parse([]byte(line), &r) == nil {
			checkRecord(t, &r)
		}
	})
}

func FuzzNginxJSON(f *testing.F) {
	seedLines(f, "nginx-json")
	f.Add(`{"time_iso8601":"2024-05-01T14:00:00+02:00","request":"POST /a\u0020b HTTP/1.1","status":"201","request_length":"12","http_x_tenant":"\ud83d\ude00"}`)
	p := newJSONParser(DefaultFieldMap(FormatNginxJSON), jsonHeaderKeys(FormatNginxJSON, "X-Tenant"))
	f.Fuzz(func(t *testing.T, line string) {
		var r record
		if p.parse([]byte(line), &r) == nil {
			checkRecord(t, &r)
		}
	})
}

func FuzzJSONL(f *testing.F) {
	seedLines(f, "jsonl")
	f.Add(`{"ts":1714572000123,"http":{"method":"PUT","path":"https://x/y"},"request_bytes":5,"tenant":{"id":"a"}}`)
	m, err := ParseFieldMap(FormatJSONL, []string{"time=ts,status=http.status_code"})
	if err != nil {
		f.Fatal(err)
	}
	p := newJSONParser(m, []string{"tenant.id"})
	f.Fuzz(func(t *testing.T, line string) {
		var r record
		if p.parse([]byte(line), &r) == nil {
			checkRecord(t, &r)
		}
	})
}

// The time parsers accept only what they can read whole, and agree with
// the standard library on what they accept.
func FuzzTime(f *testing.F) {
	for _, s := range []string{"2024-05-01T14:00:00Z", "2024-05-01 14:00:00.123456+02:00", "01/May/2024:14:00:00 -0700",
		"1714572000.123", "1714572000123", "2024-13-01T00:00:00Z", "2024-05-01T14:00:00+0730"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ns, ok := parseISO([]byte(s)); ok {
			std, err := time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "T", 1))
			if err == nil && std.UnixNano() != ns && !strings.ContainsAny(s[19:], ",") {
				t.Fatalf("parseISO(%q) = %d, time.Parse says %d", s, ns, std.UnixNano())
			}
		}
		if ns, ok := parseNginxTime([]byte(s)); ok {
			std, err := time.Parse("02/Jan/2006:15:04:05 -0700", s)
			if err != nil || std.UnixNano() != ns {
				t.Fatalf("parseNginxTime(%q) = %d, time.Parse says %v %v", s, ns, std, err)
			}
		}
		_, _ = parseTime([]byte(s), true)
	})
}

// A trace reader never panics, and what it accepts it accepts whole.
func FuzzTraceReader(f *testing.F) {
	f.Add(`{"rehearse_trace":1,"callers":1,"uploads":1}` + "\n" + `{"caller":"a","uploads":[{"t":1,"m":"POST","p":"/x","b":1,"s":201,"r":true}]}`)
	f.Add(`{"rehearse_trace":1,"callers":2,"uploads":0}` + "\n" + `{"caller":"a","uploads":[]}` + "\n\n" + `{"caller":"b","x":[1,{"y":null}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		tr, err := Read(strings.NewReader(text), "x")
		if err != nil {
			return
		}
		var n int64
		for _, c := range tr.Callers() {
			n += int64(len(c.Uploads))
		}
		if n != tr.Uploads() || len(tr.Callers()) != tr.Header().Callers {
			t.Fatalf("accepted a trace whose counts disagree with its header")
		}
	})
}
