package reports

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// randomAttempts are n attempts of callers callers with every field set
// from a seeded source, times whole microseconds (the log's resolution),
// byte counts sometimes not recorded (-1).
func RandomAttempts(n, callers int, seed uint64) []Attempt {
	r := rand.New(rand.NewPCG(seed, 7))
	classes := []Class{ClassNone, ClassNone, ClassTimeout, ClassHTTP5xx, ClassConnReset, GenOutOfPorts, ClassAborted, "custom_class"}
	us := func(max int64) time.Duration { return time.Duration(r.Int64N(max)) * time.Microsecond }
	out := make([]Attempt, n)
	for i := range out {
		a := Attempt{Caller: int32(r.IntN(callers)), Try: int32(1 + r.IntN(4)), Intended: us(3600e6), Sent: us(3600e6),
			Latency: us(30e6), Status: int32([]int{0, 200, 201, 202, 429, 503}[r.IntN(6)]), Class: classes[r.IntN(len(classes))],
			CallerClass: uint8(r.IntN(4)), Resent: r.IntN(10) == 0, Redirects: uint8(r.IntN(3)),
			BytesOut: r.Int64N(1 << 30), BytesIn: r.Int64N(1 << 20)}
		if r.IntN(7) == 0 {
			a.BytesOut, a.BytesIn = -1, -1
		}
		out[i] = a
	}
	return out
}

// writeLog writes attempts to a new log in dir as o says and closes it.
func WriteLog(t *testing.T, dir string, o AttemptLogOptions, in []Attempt) *AttemptsLog {
	t.Helper()
	l, err := CreateAttemptLog(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range in {
		if err := l.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	info := l.Info()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return info
}

// readLog reads the log of the run folder dir, strictly.
func ReadLog(t *testing.T, dir string) []Attempt {
	t.Helper()
	f, err := OpenAttemptLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Attempt
	if err := ReadAttemptLog(f, func(a Attempt) error { out = append(out, a); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAttemptLogRoundTripExact: every field of every attempt reads back
// equal, from a real file in either form; the compressed one is a gzip
// file any gunzip reads (here Go's own, not the writer's library), its
// content byte for byte the plain form's.
func TestAttemptLogRoundTripExact(t *testing.T) {
	in := RandomAttempts(50_000, 3000, 1)
	gzDir, plainDir := t.TempDir(), t.TempDir()
	gzInfo := WriteLog(t, gzDir, AttemptLogOptions{}, in)
	plainInfo := WriteLog(t, plainDir, AttemptLogOptions{Plain: true}, in)
	if gzInfo.File != AttemptLogGzFile || plainInfo.File != AttemptLogFile || *gzInfo.Attempts != 50_000 || gzInfo.Mode != AttemptsAll {
		t.Fatalf("infos %+v %+v", gzInfo, plainInfo)
	}
	for _, dir := range []string{gzDir, plainDir} {
		out := ReadLog(t, dir)
		if len(out) != len(in) {
			t.Fatalf("%s: read %d of %d attempts", dir, len(out), len(in))
		}
		for i := range in {
			if out[i] != in[i] {
				t.Fatalf("%s: attempt %d reads %+v, wrote %+v", dir, i, out[i], in[i])
			}
		}
	}
	gzBytes, err := os.ReadFile(filepath.Join(gzDir, AttemptLogGzFile))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := stdgzip.NewReader(bytes.NewReader(gzBytes))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := os.ReadFile(filepath.Join(plainDir, AttemptLogFile))
	if !bytes.Equal(unzipped, plain) || zr.Name != AttemptLogFile || zr.Comment != "rehearse attempts mode=all" {
		t.Fatalf("gunzip gives %d bytes (name %q, comment %q), the plain log has %d", len(unzipped), zr.Name, zr.Comment, len(plain))
	}
}

// TestAttemptLogRoundsToTheMicrosecond: a time finer than the log's
// resolution reads back rounded to the nearest microsecond, never a
// nanosecond off by a float.
func TestAttemptLogRoundsToTheMicrosecond(t *testing.T) {
	var buf bytes.Buffer
	l := NewAttemptLog(&buf)
	ds := []time.Duration{1499, 1500, 4350 * time.Microsecond, 1001 * time.Microsecond, 3*time.Hour + 999_999_999, -1500}
	for _, d := range ds {
		if err := l.Write(Attempt{Intended: d, Sent: d, Latency: d}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	if err := ReadAttemptLog(&buf, func(a Attempt) error { got = append(got, a.Latency); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Microsecond, 2 * time.Microsecond, 4350 * time.Microsecond, 1001 * time.Microsecond, 3*time.Hour + time.Second, -2 * time.Microsecond}
	if !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
}

// callersOf are the callers of attempts, and each one's attempts.
func CallersOf(as []Attempt) map[int32][]Attempt {
	m := map[int32][]Attempt{}
	for _, a := range as {
		m[a.Caller] = append(m[a.Caller], a)
	}
	return m
}

// TestAttemptLogSample: a sample is the same for a seed, in one process
// or over shards; it keeps every attempt of each caller it keeps and none
// of the others; it keeps about its share; another seed keeps others.
func TestAttemptLogSample(t *testing.T) {
	in := RandomAttempts(100_000, 10_000, 2)
	sample := AttemptLogOptions{Mode: AttemptsMode{Kind: AttemptsSample, Percent: 10}, Seed: 42}
	one, again := t.TempDir(), t.TempDir()
	info := WriteLog(t, one, sample, in)
	WriteLog(t, again, sample, in)
	got := ReadLog(t, one)
	if !slices.Equal(got, ReadLog(t, again)) {
		t.Fatal("two logs of one seed differ")
	}
	if !info.Sampled() || *info.SamplePercent != 10 || *info.SampleSeed != 42 || *info.Attempts != int64(len(got)) {
		t.Fatalf("info %+v", info)
	}
	all, kept := CallersOf(in), CallersOf(got)
	for c, as := range kept {
		if !slices.Equal(as, all[c]) {
			t.Fatalf("caller %d: %d of its %d attempts kept", c, len(as), len(all[c]))
		}
	}
	if share := float64(len(kept)) / float64(len(all)); share < 0.09 || share > 0.11 {
		t.Errorf("kept %d of %d callers", len(kept), len(all))
	}
	// Shards: caller k in shard k mod 2, each shard its own log.
	var merged []Attempt
	for i := range 2 {
		dir := t.TempDir()
		WriteLog(t, dir, sample, slices.DeleteFunc(slices.Clone(in), func(a Attempt) bool { return int(a.Caller)%2 != i }))
		merged = append(merged, ReadLog(t, dir)...)
	}
	if len(CallersOf(merged)) != len(kept) || len(merged) != len(got) {
		t.Fatalf("two shards kept %d callers (%d attempts), one process %d (%d)", len(CallersOf(merged)), len(merged), len(kept), len(got))
	}
	for c := range kept {
		if _, ok := CallersOf(merged)[c]; !ok {
			t.Fatalf("caller %d is in one process's sample, not in the shards'", c)
		}
	}
	other := t.TempDir()
	WriteLog(t, other, AttemptLogOptions{Mode: sample.Mode, Seed: 43}, in)
	if slices.Equal(ReadLog(t, other), got) {
		t.Error("seed 43 keeps what seed 42 keeps")
	}
}

// TestCompressedLogOfAKilledRun: a compressed log flushed within
// FlushEvery and then cut off (no trailer, as kill -9 leaves it) is
// scanned up to its cut, and refused by the strict reader.
func TestCompressedLogOfAKilledRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		l, err := CreateAttemptLog(dir, AttemptLogOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in := RandomAttempts(3000, 100, 4)
		for _, a := range in {
			if err := l.Write(a); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(FlushEvery)
		synctest.Wait()
		// The process dies here: the file holds what the timer flushed.
		b, err := os.ReadFile(filepath.Join(dir, AttemptLogGzFile))
		if err != nil {
			t.Fatal(err)
		}
		var got []Attempt
		scan, err := ScanAttemptLog(bytes.NewReader(b), func(a Attempt) error { got = append(got, a); return nil })
		if err != nil || !scan.Cut || !scan.Compressed || !slices.Equal(got, in) {
			t.Fatalf("scan %+v err %v: %d of %d attempts", scan, err, len(got), len(in))
		}
		// Cut in the middle of a deflate block: the whole lines before it.
		got = got[:0]
		scan, err = ScanAttemptLog(bytes.NewReader(b[:len(b)*2/3]), func(a Attempt) error { got = append(got, a); return nil })
		if err != nil || !scan.Cut || len(got) == 0 || len(got) >= len(in) || !slices.Equal(got, in[:len(got)]) {
			t.Fatalf("cut log: scan %+v err %v, %d attempts", scan, err, len(got))
		}
		if err := ReadAttemptLog(bytes.NewReader(b), func(Attempt) error { return nil }); err == nil || !strings.Contains(err.Error(), "gzip trailer") {
			t.Fatalf("strict read of a log without its trailer: %v", err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseAttemptsMode(t *testing.T) {
	for in, want := range map[string]AttemptsMode{
		"all": {Kind: AttemptsAll}, "": {Kind: AttemptsAll}, "none": {Kind: AttemptsNone},
		"sample:1%": {Kind: AttemptsSample, Percent: 1}, "sample:0.5%": {Kind: AttemptsSample, Percent: 0.5},
		"sample:100%": {Kind: AttemptsSample, Percent: 100},
	} {
		got, err := ParseAttemptsMode(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
		if in != "" && got.String() != in {
			t.Errorf("%q prints as %q", in, got.String())
		}
	}
	for _, bad := range []string{"sample", "sample:1", "sample:0%", "sample:101%", "sample:-1%", "sample:x%", "some", "ALL"} {
		if _, err := ParseAttemptsMode(bad); err == nil || !strings.Contains(err.Error(), "--attempts must be all, none or sample:P%") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := CreateAttemptLog(t.TempDir(), AttemptLogOptions{Mode: AttemptsMode{Kind: AttemptsSample, Percent: 1}, Plain: true}); err == nil {
		t.Error("a plain sampled log: its sample would go unrecorded")
	}
	if l, err := CreateAttemptLog(t.TempDir(), AttemptLogOptions{Mode: AttemptsMode{Kind: AttemptsNone}}); l != nil || err != nil || l.Close() != nil || l.Info().Mode != AttemptsNone {
		t.Error("none makes a log")
	}
}

// TestScanStopsEarly: a scan of a compressed log that fn stops returns
// fn's error and leaves no goroutine behind (the bubble would not end).
func TestScanStopsEarly(t *testing.T) {
	dir := t.TempDir()
	WriteLog(t, dir, AttemptLogOptions{}, RandomAttempts(200_000, 1000, 6))
	b, err := os.ReadFile(filepath.Join(dir, AttemptLogGzFile))
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		_, err := ScanAttemptLog(bytes.NewReader(b), func(Attempt) error {
			if n++; n == 10 {
				return stop
			}
			return nil
		})
		if err != stop {
			t.Fatalf("scan ended with %v", err)
		}
	})
}

// TestCompareSaysWhichRunsAreSampled: a run whose latencies come from a
// sampled attempt log is named in the comparison's notes; a whole one is
// not.
func TestCompareSaysWhichRunsAreSampled(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	base, cand := Build{Ms: 100}.Runs(rng, "a", 1), Build{Ms: 100}.Runs(rng, "b", 1)
	p, s := 1.0, int64(42)
	cand[0].Report.AttemptsLog = &AttemptsLog{Mode: AttemptsSample, SamplePercent: &p, SampleSeed: &s, File: AttemptLogGzFile}
	c := Compare(base, cand, CompareOptions{})
	notes := strings.Join(c.Notes, "\n")
	if !strings.Contains(notes, "the candidate run b has an attempt log of a 1% sample of the callers (seed 42)") || strings.Contains(notes, "baseline run") {
		t.Fatalf("notes:\n%s", notes)
	}
}
