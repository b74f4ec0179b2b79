package traffic

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/traffic/internal/loggen"
)

// busy is traffic where callers upload to one endpoint every few seconds
// and one upload in 20 fails: almost every failure is followed, within
// the retry window, by the caller's next upload to the same path — the
// case where a detector that ignores sizes finds retries that are not.
func busy(retried bool) loggen.Traffic {
	return loggen.Generate(loggen.Config{Seed: 11, Callers: 50, Uploads: 40_000, Start: t0,
		Span: time.Hour, FailEvery: 20, NoRetries: !retried})
}

// naive counts what a detector by caller, method and path alone would
// take for retries: the next upload after a failure, within the window.
func naive(k loggen.Traffic) int {
	n := 0
	for _, ups := range k.Callers() {
		var last *loggen.Upload
		for i := range ups {
			u := &ups[i]
			if last != nil && u.At.Sub(last.At) <= DefaultRetryWindow && u.Method == last.Method {
				n++
			}
			last = nil
			if u.Status == 0 || u.Status >= 400 {
				last = u
			}
		}
	}
	return n
}

// A log with failures and no retry at all: no upload is taken for one.
func TestRetriesNoneFound(t *testing.T) {
	k := busy(false)
	if n := naive(k); n < 500 {
		t.Fatalf("the generated log is too easy: a size-blind detector finds only %d retries", n)
	}
	for _, format := range []string{"nginx-json", "nginx"} {
		log := writeLog(t, t.TempDir(), "busy.log", k, format)
		as := map[string]Format{"nginx": FormatNginx, "nginx-json": FormatNginxJSON}[format]
		sum, tr := importTrace(t, []string{log}, WithFormat(as))
		if sum.Retries != 0 {
			t.Fatalf("%s: %d retries in a log of none (a size-blind detector: %d)", format, sum.Retries, naive(k))
		}
		for _, c := range tr.Callers() {
			for _, u := range c.Uploads {
				if u.Retry {
					t.Fatalf("%s: %s's upload at %s marked as a retry", format, c.Name, u.Offset)
				}
			}
		}
	}
}

// A log with known retries: exactly those are found, each one of them,
// and nothing else.
func TestRetriesExactlyFound(t *testing.T) {
	k := busy(true)
	log := writeLog(t, t.TempDir(), "busy.json.log", k, "nginx-json")
	sum, tr := importTrace(t, []string{log}, WithFormat(FormatNginxJSON))
	// Each upload by caller, offset and size; ms precision keeps them apart.
	key := func(c string, at time.Duration, b int64) string {
		return fmt.Sprintf("%s@%d:%d", c, at.Milliseconds(), b)
	}
	want := map[string]bool{}
	var retries int64
	for _, u := range k.Uploads {
		if !u.Health {
			want[key(u.Caller, u.At.Sub(tr.Header().Start), u.Bytes)] = u.Retry
			if u.Retry {
				retries++
			}
		}
	}
	if sum.Retries != retries || retries < 500 {
		t.Fatalf("retries %d, want the %d the log holds", sum.Retries, retries)
	}
	for _, c := range tr.Callers() {
		for _, u := range c.Uploads {
			retry, ok := want[key(c.Name, u.Offset, u.Bytes)]
			if !ok || retry != u.Retry {
				t.Fatalf("%s's upload at %s of %d bytes: retry %v, the log's truth %v (known %v)", c.Name, u.Offset, u.Bytes, u.Retry, retry, ok)
			}
		}
	}
}

// A retry is matched to its own failure past other uploads in between;
// each failure answers one retry; a failure past the window waits for
// none.
func TestRetriesMatching(t *testing.T) {
	lines := []string{
		`{"time":"2024-05-01T14:00:00.000Z","method":"POST","path":"/v1/callers/a/x","status":503,"content_length":100}`,
		`{"time":"2024-05-01T14:00:00.002Z","method":"POST","path":"/v1/callers/a/x","status":201,"content_length":38000}`,
		`{"time":"2024-05-01T14:00:01.000Z","method":"POST","path":"/v1/callers/a/x","status":503,"content_length":200}`,
		`{"time":"2024-05-01T14:00:02.000Z","method":"POST","path":"/v1/callers/a/x","status":201,"content_length":100}`,
		`{"time":"2024-05-01T14:00:03.000Z","method":"POST","path":"/v1/callers/a/x","status":201,"content_length":100}`,
		`{"time":"2024-05-01T14:00:04.000Z","method":"PUT","path":"/v1/callers/a/x","status":201,"content_length":200}`,
		`{"time":"2024-05-01T14:02:00.000Z","method":"POST","path":"/v1/callers/a/x","status":201,"content_length":200}`,
		`{"time":"2024-05-01T14:02:01.000Z","method":"POST","path":"/v1/callers/a/x","status":500}`,
		`{"time":"2024-05-01T14:02:02.000Z","method":"POST","path":"/v1/callers/a/x","status":201}`,
	}
	p := filepath.Join(t.TempDir(), "m.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, tr := importTrace(t, []string{p}, WithFormat(FormatJSONL), WithAssumeSize(1))
	var got []string
	for _, u := range tr.Callers()[0].Uploads {
		got = append(got, map[bool]string{true: "R", false: "-"}[u.Retry])
	}
	// 38000 is another upload; the first 100 after is the retry of the
	// first 503, the second 100 is not (that failure is answered); the
	// PUT differs in method; 200 at +2m is past the window of the 503 at
	// +1s; the unsized upload after the 500 is never a retry.
	if want := "- - - R - - - - -"; strings.Join(got, " ") != want || sum.Retries != 1 || sum.Unsized != 2 {
		t.Fatalf("retries %s (%d, unsized %d), want %s", strings.Join(got, " "), sum.Retries, sum.Unsized, want)
	}
}
