package storm

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// writeTestTrace writes a trace of callers callers with per uploads each,
// offsets that interleave and tie, some failures and their retries.
func writeTestTrace(t testing.TB, path string, callers, per int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := traffic.NewWriter(f, traffic.Header{Start: time.Unix(1764150000, 0).UTC(), SpanMS: 600_000, Callers: callers, Uploads: int64(callers * per), Bytes: "content_length"})
	if err != nil {
		t.Fatal(err)
	}
	for c := range callers {
		ct := traffic.CallerTrace{Name: fmt.Sprintf("tenant-%04d", (c*7919)%10_000)}
		for u := range per {
			up := traffic.Upload{Offset: time.Duration(u*3_000+(c*37)%2_000) * time.Millisecond,
				Method: "POST", Path: "/v1/callers/{caller}/records", Bytes: int64(300 + (c*u*131)%9_000), Status: 200}
			if u > 0 && (c+u)%5 == 0 {
				up.Retry = true // after a "failure" of the previous one
				up.Bytes = ct.Uploads[u-1].Bytes
			}
			ct.Uploads = append(ct.Uploads, up)
		}
		if err := w.Write(ct); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReplayPartsNumberCallersAsTheWholeReplay: for 3 shards, every
// upload of a shard's part is, at its index, the same caller (name,
// ordinal, class), records, padding and offset as in one machine's
// replay of the whole trace; every upload is in exactly one part; the
// notes are the whole replay's.
func TestReplayPartsNumberCallersAsTheWholeReplay(t *testing.T) {
	for _, retries := range []string{"drop", "keep"} {
		t.Run(retries, func(t *testing.T) {
			dir := t.TempDir()
			writeTestTrace(t, filepath.Join(dir, "t.trace.jsonl.gz"), 203, 6)
			yaml := "name: r\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n  count: 1\n  classes:\n    - {name: a, weight: 1}\n    - {name: b, weight: 2}\n" +
				"api: {upload: {body: {format: json}}}\ntraffic: {replay: t.trace.jsonl.gz, speed: 7, retries: " + retries + "}\n"
			sc, err := scenarios.Parse(filepath.Join(dir, "r.yaml"), []byte(yaml))
			if err != nil {
				t.Fatal(err)
			}
			whole, offsets, notes, err := population(sc)
			if err != nil {
				t.Fatal(err)
			}
			const n = 3
			sizes, err := WriteReplayParts(sc, n, func(i int) (io.WriteCloser, error) {
				return os.Create(filepath.Join(dir, fmt.Sprintf("part-%d.trace.jsonl.gz", i)))
			})
			if err != nil {
				t.Fatal(err)
			}
			seen := make([]int, whole.Len())
			for i := range n {
				psc, err := scenarios.Parse(filepath.Join(dir, "r.yaml"), []byte(yaml+"\n"))
				if err != nil {
					t.Fatal(err)
				}
				psc.Traffic.Replay = fmt.Sprintf("part-%d.trace.jsonl.gz", i)
				part, poffsets, pnotes, err := population(psc)
				if err != nil {
					t.Fatalf("shard %d: %v", i, err)
				}
				if part.Len() != whole.Len() {
					t.Fatalf("shard %d: %d uploads, the whole replay %d", i, part.Len(), whole.Len())
				}
				own, sh := 0, Shard{Index: i, Count: n}
				for g := range part.Len() {
					if sh.has(part.Ordinal(g)) != sh.has(whole.Ordinal(g)) {
						t.Fatalf("shard %d, upload %d: in the part's shard %v, in the whole's %v", i, g, part.Ordinal(g), whole.Ordinal(g))
					}
					if !sh.has(whole.Ordinal(g)) {
						continue
					}
					own++
					seen[g]++
					pc, wc := part.Caller(g), whole.Caller(g)
					if pc != wc || part.Ordinal(g) != whole.Ordinal(g) || part.Pad(g) != whole.Pad(g) || poffsets[g] != offsets[g] {
						t.Fatalf("shard %d, upload %d: part %+v ordinal %d pad %d at %s; whole %+v ordinal %d pad %d at %s",
							i, g, pc, part.Ordinal(g), part.Pad(g), poffsets[g], wc, whole.Ordinal(g), whole.Pad(g), offsets[g])
					}
				}
				if int64(own) != sizes[i] {
					t.Errorf("shard %d: %d own uploads, WriteReplayParts said %d", i, own, sizes[i])
				}
				if fmt.Sprint(strip(pnotes, psc.Traffic.Replay)) != fmt.Sprint(strip(notes, sc.Traffic.Replay)) {
					t.Errorf("shard %d notes %q, whole %q", i, pnotes, notes)
				}
			}
			if slices.ContainsFunc(seen, func(c int) bool { return c != 1 }) {
				t.Errorf("an upload is in no part or in two")
			}
		})
	}
}

// strip names the trace TRACE in notes (the parts' files are named
// otherwise here; distribute names each as the scenario does).
func strip(notes []string, name string) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = strings.ReplaceAll(n, name, "TRACE")
	}
	return out
}
