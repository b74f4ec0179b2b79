package traffic

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/traffic/internal/loggen"
)

var t0 = time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)

// known is the traffic most tests import: 40 callers, 2,000 uploads over
// ten minutes, one in 25 failed and retried, health checks between them.
func known() loggen.Traffic {
	return loggen.Generate(loggen.Config{Seed: 7, Callers: 40, Uploads: 2000, Start: t0,
		Span: 10 * time.Minute, FailEvery: 25, Health: 50, Query: true})
}

// writeLog writes tr in format to a file in dir, gzip'd if the name ends
// in .gz, and returns its path.
func writeLog(t testing.TB, dir, name string, tr loggen.Traffic, format string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := tr.Write(&buf, format); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if strings.HasSuffix(name, ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		if _, err := zw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data = z.Bytes()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// importTrace imports logs and reads the trace back.
func importTrace(t testing.TB, logs []string, opts ...Option) (*Summary, *Trace) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := Import(context.Background(), &buf, logs, append([]Option{WithTempDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	tr, err := Read(&buf, "test")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return sum, tr
}

// wantCallers checks the trace against the known traffic: the same
// callers, each with the same number of uploads and the same sizes and
// methods in arrival order; arrivals within tol of the truth.
func wantCallers(t *testing.T, tr *Trace, k loggen.Traffic, tol time.Duration) {
	t.Helper()
	truth := k.Callers()
	got := tr.Callers()
	if len(got) != len(truth) {
		t.Fatalf("callers: got %d, want %d", len(got), len(truth))
	}
	start := tr.Header().Start
	var uploads int64
	for _, c := range got {
		want, ok := truth[c.Name]
		if !ok {
			t.Fatalf("caller %q is not in the known traffic", c.Name)
		}
		if len(c.Uploads) != len(want) {
			t.Fatalf("caller %s: %d uploads, want %d", c.Name, len(c.Uploads), len(want))
		}
		uploads += int64(len(c.Uploads))
		if sizes(c.Uploads) != sizesOf(want) {
			t.Fatalf("caller %s: sizes %v, want %v", c.Name, sizes(c.Uploads), sizesOf(want))
		}
		for i, u := range c.Uploads {
			at := start.Add(u.Offset)
			if d := at.Sub(want[i].At).Abs(); d > tol {
				t.Fatalf("caller %s upload %d: arrived %s, want %s (off by %s > %s)", c.Name, i, at, want[i].At, d, tol)
			}
			if u.Path != "/v1/callers/{caller}/records" {
				t.Fatalf("caller %s upload %d: path %q", c.Name, i, u.Path)
			}
		}
	}
	if uploads != tr.Uploads() {
		t.Fatalf("uploads %d, header says %d", uploads, tr.Uploads())
	}
}

// sizes is the sorted multiset of sizes and methods, as text: arrival
// order within a second is not kept by a log with whole seconds.
func sizes(ups []Upload) string {
	var s []string
	for _, u := range ups {
		s = append(s, u.Method+":"+itoa(u.Bytes))
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func sizesOf(ups []loggen.Upload) string {
	var s []string
	for _, u := range ups {
		s = append(s, u.Method+":"+itoa(u.Bytes))
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func itoa(n int64) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int64) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// wantRetries counts the known traffic's retries: the uploads the
// generator sent again after a failure.
func wantRetries(k loggen.Traffic) int64 {
	var n int64
	for _, u := range k.Uploads {
		if u.Retry {
			n++
		}
	}
	return n
}

// decompress is a gzip'd trace's text.
func decompress(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
