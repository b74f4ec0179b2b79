package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var T0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func TestTimelineInflight(t *testing.T) {
	a := NewAggregator(T0)
	// Two attempts in flight for the whole of second 0, one of them also for
	// half of second 1.
	a.AddAttempt(Attempt{Sent: 0, Latency: time.Second})
	a.AddAttempt(Attempt{Sent: 0, Latency: 1500 * time.Millisecond})
	a.AddAttempt(Attempt{Sent: 3 * time.Second, Latency: 10 * time.Millisecond})
	r := a.Finish(T0.Add(4 * time.Second))
	got := []int64{}
	for _, b := range r.Timeline {
		got = append(got, b.Inflight)
	}
	if fmt.Sprint(got) != "[2 1 0 0]" {
		t.Fatalf("inflight %v, want [2 1 0 0]", got)
	}
	if r.Timeline[0].Sent != 2 || r.Timeline[3].Sent != 1 || r.Timeline[1].Sent != 0 {
		t.Fatalf("sent per bucket %+v", r.Timeline)
	}
}

func TestCutoverWindow(t *testing.T) {
	a := NewAggregator(T0)
	add := func(i int) {
		class := ClassNone
		if i == 3 {
			class = ClassConnRefused
		}
		a.AddAttempt(Attempt{Sent: time.Duration(i) * time.Second, Latency: time.Millisecond, Class: class})
	}
	add(1)
	a.BeginCutover("rolling", 2*time.Second)
	add(2)
	add(3)
	add(5) // sent after the window closes, absorbed before EndCutover
	a.EndCutover(4*time.Second, 0.5)
	add(4)
	add(6)
	c := a.Finish(T0.Add(6 * time.Second)).Cutover
	if c == nil || c.Requests != 3 || c.OK != 2 || c.Errors[ClassConnRefused] != 1 || c.Strategy != "rolling" || c.DowntimeS != 0.5 {
		t.Fatalf("cutover %+v", c)
	}
}

func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden file:\n%s", name, got)
	}
}

func TestAttemptLogRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	l := NewAttemptLog(&buf)
	in := []Attempt{{Caller: 3, Try: 2, Intended: 1500 * time.Millisecond, Sent: 1501 * time.Millisecond, Latency: 42 * time.Millisecond, Status: 202, CallerClass: 3, BytesOut: 2048, BytesIn: 57},
		{Caller: 4, Try: 1, Latency: time.Second, Class: ClassTimeout},
		{Caller: 5, Try: 1, Status: 200, BytesOut: -1, BytesIn: -1}} // not recorded: an empty cell, read back as -1
	for _, a := range in {
		if err := l.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []Attempt
	if err := ReadAttemptLog(&buf, func(a Attempt) error { out = append(out, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("got %v, want %v", out, in)
	}
}

func Latencies(seed uint64, n int, scale float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, n)
	for i := range out {
		out[i] = scale * (20 + rng.ExpFloat64()*5)
	}
	return out
}

func BenchmarkAggregatorAddAttempt(b *testing.B) {
	a := NewAggregator(T0)
	rng := rand.New(rand.NewPCG(1, 2))
	at := make([]Attempt, 4096)
	for i := range at {
		sent := time.Duration(rng.IntN(600)) * time.Second
		at[i] = Attempt{Caller: int32(i), Try: 1, Intended: sent, Sent: sent + time.Millisecond, Latency: time.Duration(rng.IntN(500)) * time.Millisecond, Status: 200}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.AddAttempt(at[i&4095])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
}

// TestAggregatorMemoryFlat absorbs 10 million attempts over ten minutes of
// buckets and checks the heap stays flat.
func TestAggregatorMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("10M attempts; skipped in -short and under -race")
	}
	a := NewAggregator(T0)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var after1M uint64
	for i := 0; i < 10_000_000; i++ {
		sent := time.Duration(i%600) * time.Second
		a.AddAttempt(Attempt{Sent: sent, Latency: time.Duration(i%1000) * time.Millisecond, Status: 200})
		if i == 1_000_000 {
			after1M = heap()
		}
	}
	after10M := heap()
	runtime.KeepAlive(a)
	t.Logf("heap after 1M attempts %.1f MB, after 10M %.1f MB", float64(after1M)/1e6, float64(after10M)/1e6)
	if after10M > after1M+2<<20 {
		t.Fatalf("heap grew from %d to %d bytes", after1M, after10M)
	}
}

// validateSchema checks a report against schema/report.v1.json: the subset
// of JSON Schema it uses (type, required, properties, additionalProperties,
// items, enum).
func ValidateSchema(t *testing.T, doc []byte) {
	t.Helper()
	raw, err := os.ReadFile("schema/report.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema, v any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	if errs := check(schema.(map[string]any), v, "$"); len(errs) > 0 {
		t.Fatalf("report violates the schema:\n%s", strings.Join(errs, "\n"))
	}
}

func check(s map[string]any, v any, path string) []string {
	var errs []string
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", path, v, enum))
		}
	}
	if typ, ok := s["type"]; ok {
		types := []any{typ}
		if l, ok := typ.([]any); ok {
			types = l
		}
		match := false
		for _, ty := range types {
			match = match || typeOf(v, ty.(string))
		}
		if !match {
			return append(errs, fmt.Sprintf("%s: %v is not %v", path, v, typ))
		}
	}
	if obj, ok := v.(map[string]any); ok {
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %s", path, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, ps := range props {
			if val, ok := obj[k]; ok {
				errs = append(errs, check(ps.(map[string]any), val, path+"."+k)...)
			}
		}
		if more, ok := s["additionalProperties"].(map[string]any); ok {
			for k, val := range obj {
				if _, named := props[k]; !named {
					errs = append(errs, check(more, val, path+"."+k)...)
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range arr {
				errs = append(errs, check(items, it, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func asList(v any) []any { l, _ := v.([]any); return l }

func typeOf(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}
