package scenarios

import (
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"
)

// pinnedPopulation parses a scenario of 1000 callers without classes,
// with its reference requests (the one-line upload of the defaults).
func pinnedPopulation(t testing.TB, seed int, records string, recordBytes int) (*Population, *Requests) {
	t.Helper()
	src := fmt.Sprintf("name: pop\nseed: %d\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1000, records: %s, record_bytes: %d}\n", seed, records, recordBytes)
	sc, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPopulation(sc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRequests(sc, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

// TestPopulationWithoutClassesIsUnchanged pins callers drawn before caller
// classes existed (computed on the code of commit abc458c): a scenario
// without classes must keep its record counts and its bodies byte for
// byte, or baselines recorded before would no longer compare. The bodies
// are the reference request's, rendered by the compiled templates: these
// pins are what the default upload sends.
func TestPopulationWithoutClassesIsUnchanged(t *testing.T) {
	cases := []struct {
		seed    int
		records string
		bytes   int
		all     string // sha256 of every caller's record count, first 8 bytes
		pins    map[int]string
	}{
		{3, "{median: 20, p99: 200, max: 400}", 200, "9e2688e998a8d232", map[int]string{
			0: "40 d6f92d9c8c09773d", 1: "75 6456593d38195c50", 2: "110 0fd191ba00721bd6",
			17: "147 ccdf8492ad71d444", 500: "85 f665c3090867bf8c", 999: "27 60e8d965b160fee8"}},
		{42, "7", 200, "55012b9c8b180bb0", map[int]string{
			0: "7 0dd01f809f27680d", 1: "7 c221d7a2fdd9e7f4", 2: "7 e38e33c82a5582f5",
			17: "7 9b7673af4a2ef119", 500: "7 a4db2347dc28256a", 999: "7 9fabe7691377a9c6"}},
		{1, "{median: 800, p99: 7000, max: 10000}", 64, "f2d88d6d7944be47", map[int]string{
			0: "404 6b912a532d16d5ae", 1: "1386 62d4d59e8c574ad4", 2: "2480 c9a2b58081e4964d",
			17: "1160 b079f7e5c44166bf", 500: "334 67ea70585ddbc539", 999: "676 713ad5148da5c81f"}},
	}
	for _, c := range cases {
		p, r := pinnedPopulation(t, c.seed, c.records, c.bytes)
		h := sha256.New()
		for i := range p.Len() {
			fmt.Fprintf(h, "%d,", p.Caller(i).Records)
		}
		if got := fmt.Sprintf("%x", h.Sum(nil)[:8]); got != c.all {
			t.Errorf("seed %d: record counts hash %s, want %s", c.seed, got, c.all)
		}
		for i, want := range c.pins {
			body := hash(r.Body(i, 1))
			if got := fmt.Sprintf("%d %x", p.Caller(i).Records, body[:8]); got != want {
				t.Errorf("seed %d caller %d: records and body hash %s, want %s", c.seed, i, got, want)
			}
		}
	}
}

func TestRecordIDMatchesTheBody(t *testing.T) {
	sc, err := Parse("r.yaml", []byte("name: r\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 50, records: 3}\n"))
	if err != nil {
		t.Fatal(err)
	}
	pop, err := NewPopulation(sc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRequests(sc, pop, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := io.Copy(&b, r.Body(42, 1)); err != nil {
		t.Fatal(err)
	}
	for j := range 3 {
		if id := RecordID(42, j); !strings.Contains(b.String(), `"id":"`+id+`"`) || len(id) != idLen {
			t.Fatalf("%s not in %s", id, b.String()[:200])
		}
	}
}
