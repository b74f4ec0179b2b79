package storm

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// BenchmarkReplayStart measures how long a replay of a 1-million-upload
// trace (50,000 callers) takes to start: reading the trace and building
// every upload's body plan, before the first request.
func BenchmarkReplayStart(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "big.trace.jsonl.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	const callers, per = 50_000, 20
	w, err := traffic.NewWriter(f, traffic.Header{Start: time.Unix(1764150000, 0).UTC(), SpanMS: 3_600_000, Callers: callers, Uploads: callers * per})
	if err != nil {
		b.Fatal(err)
	}
	for c := range callers {
		ct := traffic.CallerTrace{Name: fmt.Sprintf("tenant-%06d", c)}
		for u := range per {
			ct.Uploads = append(ct.Uploads, traffic.Upload{Offset: time.Duration(u*180_000+c%180_000) * time.Millisecond,
				Method: "POST", Path: "/v1/callers/{caller}/records", Bytes: int64(2000 + (c*u)%50_000), Status: 200})
		}
		if err := w.Write(ct); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	sc, err := scenarios.Parse(filepath.Join(dir, "r.yaml"), []byte("name: r\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\ntraffic: {replay: big.trace.jsonl.gz}\n"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		pop, offsets, _, err := population(sc)
		if err != nil || pop.Len() != callers*per || len(offsets) != callers*per {
			b.Fatalf("%v %d", err, len(offsets))
		}
	}
}
