package storm

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// countingFile counts what is written to it.
type countingFile struct{ n int64 }

func (c *countingFile) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }
func (*countingFile) Close() error                  { return nil }

// TestReplayPartsBig cuts a trace of 1 million uploads of 50,000 callers
// (BenchmarkReplayStart's) into 8 parts and starts a shard's replay from
// one, and logs the time and the sizes: the numbers docs/shards.md
// quotes. REHEARSE_TRAFFIC_BIG=1 runs it (about a minute here).
func TestReplayPartsBig(t *testing.T) {
	if os.Getenv("REHEARSE_TRAFFIC_BIG") == "" {
		t.Skip("set REHEARSE_TRAFFIC_BIG=1 to cut a 1-million-upload trace")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.trace.jsonl.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const callers, per = 50_000, 20
	w, err := traffic.NewWriter(f, traffic.Header{Start: time.Unix(1764150000, 0).UTC(), SpanMS: 3_600_000, Callers: callers, Uploads: callers * per, Bytes: "content_length"})
	if err != nil {
		t.Fatal(err)
	}
	for c := range callers {
		ct := traffic.CallerTrace{Name: fmt.Sprintf("tenant-%06d", c)}
		for u := range per {
			ct.Uploads = append(ct.Uploads, traffic.Upload{Offset: time.Duration(u*180_000+c%180_000) * time.Millisecond,
				Method: "POST", Path: "/v1/callers/{caller}/records", Bytes: int64(2000 + (c*u)%50_000), Status: 200})
		}
		if err := w.Write(ct); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	sc, err := scenarios.Parse(filepath.Join(dir, "r.yaml"), []byte("name: r\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\ntraffic: {replay: big.trace.jsonl.gz}\n"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	start := time.Now()
	sizes := make([]*countingFile, n)
	var part0 *os.File
	uploads, err := WriteReplayParts(sc, n, func(i int) (io.WriteCloser, error) {
		if i == 0 {
			part0, err = os.Create(filepath.Join(dir, "part0.trace.jsonl.gz"))
			return part0, err
		}
		sizes[i] = &countingFile{}
		return sizes[i], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cut := time.Since(start)
	p0, _ := os.Stat(filepath.Join(dir, "part0.trace.jsonl.gz"))
	psc := *sc
	tr := *sc.Traffic
	tr.Replay = "part0.trace.jsonl.gz"
	psc.Traffic = &tr
	start = time.Now()
	pop, _, _, err := population(&psc)
	if err != nil || pop.Len() != callers*per {
		t.Fatalf("%v", err)
	}
	t.Logf("trace %d KB; cut into %d parts in %s; part 0: %d uploads, %d KB (part 1: %d KB); a shard's replay starts from its part in %s",
		st.Size()/1024, n, cut.Round(time.Millisecond), uploads[0], p0.Size()/1024, sizes[1].n/1024, time.Since(start).Round(time.Millisecond))
}
