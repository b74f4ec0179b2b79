package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

const minimal = `name: t
sut: {url: "http://127.0.0.1:8080"}
callers: {count: 10}
`

func TestParseDefaults(t *testing.T) {
	sc, err := Parse("t.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Seed != 1 || sc.Callers.Timeout.D() != 30*time.Second || sc.Callers.RecordBytes != 200 ||
		sc.API.Upload.Method+" "+sc.API.Upload.Path != DefaultUpload || sc.API.Completion != CompletionAuto || sc.Callers.Retry.Attempts != 1 ||
		sc.Arrival.Profile != "burst" || sc.Run.MaxDuration.D() != 5*time.Minute || sc.Expect != "pass" {
		t.Fatalf("defaults: %+v", sc)
	}
	async, err := Parse("a.yaml", []byte("name: a\nsut: {reference: {mode: async}}\ncallers: {count: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if async.API.Completion != CompletionAuto || async.API.List.String() != DefaultList || async.SUT.Network != "host" || async.SUT.Reference.Replicas != 1 {
		t.Fatalf("async defaults: %+v %+v", async.API, async.SUT)
	}
}

// TestCompletion: auto is the default for every SUT (a 202 with Location
// is followed); the listing is read back from a reference SUT whose 202s
// are followed; body needs a status to poll.
func TestCompletion(t *testing.T) {
	cases := []struct {
		sut, api string
		want     CompletionMode
		list     string
	}{
		{`{url: "http://127.0.0.1:1"}`, `{}`, CompletionAuto, ""},
		{`{image: {name: team/x:1}}`, `{}`, CompletionAuto, ""},
		{`{reference: {mode: sync}}`, `{}`, CompletionAuto, ""},
		{`{reference: {mode: async}}`, `{}`, CompletionAuto, DefaultList},
		{`{reference: {mode: sync}}`, `{completion: location}`, CompletionLocation, DefaultList},
		{`{reference: {mode: async}}`, `{completion: none}`, CompletionNone, ""},
		{`{url: "http://127.0.0.1:1"}`, `{completion: location}`, CompletionLocation, ""},
	}
	for _, c := range cases {
		src := "name: c\nsut: " + c.sut + "\napi: " + c.api + "\ncallers: {count: 1}\n"
		sc, err := Parse("c.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s %s: %v", c.sut, c.api, err)
		}
		if sc.API.Completion != c.want || sc.API.List.String() != c.list {
			t.Errorf("%s %s: completion %q list %q, want %q %q", c.sut, c.api, sc.API.Completion, sc.API.List, c.want, c.list)
		}
	}
	if !CompletionAuto.FollowsLocation() || !CompletionLocation.FollowsLocation() || CompletionNone.FollowsLocation() {
		t.Error("FollowsLocation")
	}
	for src, want := range map[string]string{
		"api: {completion: body}":  `f.yaml:4:19: api.completion: body needs api.status: {path: "/jobs/{upload.id}", id_field: job.id}`,
		"api: {completion: maybe}": `f.yaml:4:19: api.completion: must be auto, location, body or none, got "maybe"`,
	} {
		_, err := Parse("f.yaml", []byte("name: c\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\n"+src+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}

func TestParseErrorsHaveLineColumn(t *testing.T) {
	cases := []struct{ src, want string }{
		{"name: t\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n  count: 10\n  retyr: 3\n", "f.yaml:5:3: "},
		{"name: t\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n  count: 10\n  timeout: fast\n", "f.yaml:5:"},
		{"name: T!\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 10}\n", "f.yaml:1:7: name:"},
		{"name: t\nsut: {url: \"http://127.0.0.1:1\"}\ncallers:\n  count: 0\n", "f.yaml:4:10: callers.count:"},
		{"name: t\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\ngates:\n  - \"p99 < 3\"\n", "f.yaml:5:5: gates[0]: gate \"p99 < 3\": unknown variable"},
		{"name: t\nsut: {url: \"http://127.0.0.1:1\", reference: {mode: sync}}\ncallers: {count: 1}\n", "f.yaml:2:6: sut: needs exactly one"},
		{"name: t\nsut: {reference: {mode: fast}}\ncallers: {count: 1}\nfaults: [{at: 1s, action: explode, target: sut}]\n", "faults[0].action"},
		{"name: t\nsut: {reference: {mode: sync}}\ncallers: {count: 1, records: {median: 10, p99: 5}}\n", "callers.records: needs median"},
	}
	for _, c := range cases {
		_, err := Parse("f.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("error %v does not match ErrInvalid", err)
		}
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	_, err := Parse("f.yaml", []byte("name: X\nsut: {reference: {mode: fast}}\ncallers: {count: 0, record_bytes: 1}\narrival: {profile: zigzag}\n"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"name:", "sut.reference.mode", "callers.count", "callers.record_bytes", "arrival.profile"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

func TestBuiltinsParse(t *testing.T) {
	bs := Builtins()
	if len(bs) < 8 {
		t.Fatalf("only %d built-ins parse", len(bs))
	}
	seed, err := Resolve("seed")
	if err != nil || len(seed) != 6 || seed[0].Name != "seed-0a-upgrade" || seed[1].Name != "seed-0b-migrate" || seed[5].Name != "seed-4-async" {
		t.Fatalf("seed suite: %v %d", err, len(seed))
	}
	if _, err := Resolve("seed-4-async"); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve("no-such"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestOffsets(t *testing.T) {
	s := time.Second
	cases := []struct {
		a    Arrival
		n    int
		want []time.Duration
	}{
		{Arrival{Profile: "burst", Window: Duration(4 * s)}, 4, []time.Duration{0, s, 2 * s, 3 * s}},
		{Arrival{Profile: "constant", Rate: 2}, 3, []time.Duration{0, s / 2, s}},
		{Arrival{Profile: "ramp", Window: Duration(4 * s)}, 4, []time.Duration{0, 2 * s, 2828427124, 3464101615}},
	}
	for _, c := range cases {
		got, err := c.a.Offsets(c.n, 1)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v %v, want %v", c.a.Profile, got, err, c.want)
		}
	}
	p := Arrival{Profile: "poisson", Rate: 100}
	a, _ := p.Offsets(1000, 7)
	b, _ := p.Offsets(1000, 7)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("poisson not deterministic")
	}
	if mean := a[999].Seconds() / 999; mean < 0.008 || mean > 0.012 {
		t.Fatalf("poisson mean gap %.4f s, want ~0.01", mean)
	}
}

func TestRetry(t *testing.T) {
	r := Retry{Attempts: 5, Backoff: "exponential", Base: Duration(time.Second), Max: Duration(5 * time.Second), Jitter: "none", On: []string{"timeout", "conn"}}
	rng := rand.New(rand.NewPCG(1, 2))
	for try, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second} {
		if got := r.Delay(try, rng); got != want {
			t.Errorf("try %d: %s, want %s", try, got, want)
		}
	}
	r.Jitter = "full"
	for i := 0; i < 100; i++ {
		if d := r.Delay(3, rng); d < 0 || d > 4*time.Second {
			t.Fatalf("full jitter out of range: %s", d)
		}
	}
	if !r.ShouldRetry("timeout") || !r.ShouldRetry("conn_reset") || !r.ShouldRetry("eof") || r.ShouldRetry("http_429") || r.ShouldRetry("http_5xx") {
		t.Fatal("ShouldRetry")
	}
}

func TestGates(t *testing.T) {
	vars := map[string]float64{"p99_ms": 120, "crashes": 0}
	for expr, want := range map[string]bool{"p99_ms < 200": true, "p99_ms<100": false, "crashes == 0": true, "crashes != 0": false, "p99_ms >= 120": true} {
		g, err := parseGate(expr)
		if err != nil {
			t.Fatal(err)
		}
		if _, pass, _ := g.Eval(vars); pass != want {
			t.Errorf("%s = %v, want %v", expr, pass, want)
		}
	}
	// A gate names which latency it reads: successful attempts (p99_ms) or
	// all that reached the service (p99_all_ms).
	vars["p99_all_ms"] = 5
	for expr, want := range map[string]bool{"p99_ms < 10": false, "p99_all_ms < 10": true} {
		g, err := parseGate(expr)
		if err != nil {
			t.Fatal(err)
		}
		if _, pass, _ := g.Eval(vars); pass != want {
			t.Errorf("%s = %v, want %v", expr, pass, want)
		}
	}
	if _, err := parseGate("p99_ms <"); err == nil {
		t.Error("incomplete gate accepted")
	}
}

// population draws count callers of records each from seed, with their
// reference requests (the defaults' one-line upload).
func population(t testing.TB, count int, records string, seed int) (*Population, *Requests) {
	sc, err := Parse("p.yaml", []byte(fmt.Sprintf("name: pop\nseed: %d\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: %d, records: %s}\n", seed, count, records)))
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

func TestPopulationBodies(t *testing.T) {
	p, pr := population(t, 50, "{median: 20, p99: 200, max: 400}", 3)
	_, qr := population(t, 50, "{median: 20, p99: 200, max: 400}", 3)
	_, rr := population(t, 50, "{median: 20, p99: 200, max: 400}", 4)
	var diff bool
	for i := 0; i < p.Len(); i++ {
		var b bytes.Buffer
		n, _ := io.Copy(&b, pr.Body(i, 1))
		if n != pr.BodyLen(i, 1) || !json.Valid(b.Bytes()) {
			t.Fatalf("caller %d: %d bytes (BodyLen %d), valid %v", i, n, pr.BodyLen(i, 1), json.Valid(b.Bytes()))
		}
		var up struct{ Records []struct{ ID string } }
		_ = json.Unmarshal(b.Bytes(), &up)
		if len(up.Records) != p.Caller(i).Records || p.Caller(i).Records < 1 || p.Caller(i).Records > 400 {
			t.Fatalf("caller %d: %d records, want %d", i, len(up.Records), p.Caller(i).Records)
		}
		h1, h2 := hash(pr.Body(i, 1)), hash(qr.Body(i, 1))
		if h1 != h2 {
			t.Fatalf("same seed, different body for caller %d", i)
		}
		diff = diff || h1 != hash(rr.Body(i, 1))
	}
	if !diff {
		t.Fatal("different seeds gave identical bodies")
	}
	if p.Caller(7).Name != "caller-00007" || p.Caller(7).IdempotencyKey != "pop-3-caller-00007" {
		t.Fatalf("caller: %+v", p.Caller(7))
	}
}

func hash(r io.Reader) [32]byte {
	h := sha256.New()
	_, _ = io.Copy(h, r)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestPopulationMemoryIsBounded(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, r := population(t, 5000, "2000", 1)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 50<<20 {
		t.Fatalf("5000x2000 population allocated %d MB", grew>>20)
	}
	if total := r.BodyLen(0, 1) * 5000; total < 2<<30 {
		t.Fatalf("bodies total %d bytes; the test should cover > 2 GB of payload", total)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("name: a\nsut: {reference: {mode: async, replicas: 3}}\ncallers: {count: 5, records: {median: 1, p99: 2, max: 3}}\ngates: [\"p99_ms < 1\"]\n"))
	f.Add([]byte("{"))
	f.Add([]byte("name: [1, 2]\n"))
	f.Add([]byte(fiveMistakes))
	f.Add([]byte(teamAPI))
	f.Add([]byte(manyMistakes))
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := Parse("fuzz.yaml", src)
		if err == nil && sc.Callers.Count < 1 {
			t.Fatalf("accepted %d callers", sc.Callers.Count)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error does not match ErrInvalid: %v", err)
		}
	})
}

func BenchmarkBody(b *testing.B) {
	_, r := population(b, 10, "2000", 1)
	b.SetBytes(r.BodyLen(0, 1))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = io.Copy(io.Discard, r.Body(0, 1))
	}
}

func ExampleParse() {
	sc, err := Parse("example.yaml", []byte(`name: example
sut: {reference: {mode: async}}
callers: {count: 100, records: 50}
gates: ["lost == 0"]
`))
	if err != nil {
		panic(err)
	}
	fmt.Println(sc.Name, sc.Callers.Count, sc.API.Completion, sc.Callers.Timeout.D())
	// Output: example 100 auto 30s
}

// TestBodyReadBufferSizes reads bodies through buffers smaller and larger
// than a record, so the whole-record fast path and the piece path meet at
// every kind of boundary.
func TestBodyReadBufferSizes(t *testing.T) {
	p, req := population(t, 5, "{median: 30, p99: 90, max: 120}", 9)
	for i := 0; i < p.Len(); i++ {
		want := referenceBody(p, i)
		for _, size := range []int{1, 7, 249, 250, 251, 4096} {
			r, buf, got := req.Body(i, 1), make([]byte, size), []byte{}
			for {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, want) || int64(len(got)) != req.BodyLen(i, 1) {
				t.Fatalf("caller %d, buffer %d: %d bytes differ from the %d-byte body", i, size, len(got), len(want))
			}
		}
	}
}
