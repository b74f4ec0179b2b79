package traffic

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/traffic/internal/loggen"
)

// BenchmarkImport imports a log of 100,000 lines of 5,000 callers per
// format, trace written; lines/s is the figure the README quotes (run with
// -cpu 1 for one core).
func BenchmarkImport(b *testing.B) {
	k := loggen.Generate(loggen.Config{Seed: 1, Callers: 5000, Uploads: 100_000, Start: t0, Span: time.Hour, FailEvery: 50})
	for _, tc := range []struct {
		format string
		as     Format
	}{{"nginx", FormatNginx}, {"nginx-json", FormatNginxJSON}, {"alb", FormatALB}, {"jsonl", FormatJSONL}} {
		b.Run(tc.format, func(b *testing.B) {
			log := writeLog(b, b.TempDir(), "a.log", k, tc.format)
			tmp := b.TempDir()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				sum, err := Import(context.Background(), io.Discard, []string{log}, WithFormat(tc.as), WithTempDir(tmp))
				if err != nil || sum.Uploads != 100_000 {
					b.Fatal(err, sum)
				}
			}
			b.ReportMetric(float64(b.N)*100_000/time.Since(start).Seconds(), "lines/s")
		})
	}
}

// BenchmarkOpen reads a trace of one million uploads of 50,000 callers:
// how long a replay waits before its first upload.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big"+Ext)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := NewWriter(f, Header{Start: t0, Callers: 50_000, Uploads: 1_000_000})
	if err != nil {
		b.Fatal(err)
	}
	for c := range 50_000 {
		ups := make([]Upload, 20)
		for i := range ups {
			ups[i] = Upload{Offset: time.Duration(c*20+i) * time.Millisecond, Method: "POST",
				Path: "/v1/callers/{caller}/records", Bytes: int64(1000 + i*c%90000), Status: 201}
		}
		if err := w.Write(CallerTrace{Name: fmt.Sprintf("c-%016x", sampleHash([]byte(strconv.Itoa(c)))), Uploads: ups}); err != nil {
			b.Fatal(err)
		}
	}
	if err := errorsJoin(w.Close(), f.Close()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		tr, err := Open(path)
		if err != nil || tr.Uploads() != 1_000_000 {
			b.Fatal(err)
		}
	}
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// TestImportTenMillion imports 10 million nginx lines of 50,000 callers,
// streamed through a FIFO from a generator, and reports the peak RSS.
// It takes about a minute: run with REHEARSE_TRAFFIC_BIG=1.
func TestImportTenMillion(t *testing.T) {
	if os.Getenv("REHEARSE_TRAFFIC_BIG") == "" {
		t.Skip("set REHEARSE_TRAFFIC_BIG=1 to import 10 million lines and measure memory")
	}
	const lines, callers = 10_000_000, 50_000
	dir := t.TempDir()
	fifo := filepath.Join(dir, "access.log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	genErr := make(chan error, 1)
	go func() { genErr <- generate(fifo, lines, callers) }()
	out, err := os.Create(filepath.Join(dir, "big"+Ext))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() //nolint:errcheck // test
	start := time.Now()
	sum, err := Import(context.Background(), out, []string{fifo}, WithTempDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if err := <-genErr; err != nil {
		t.Fatal(err)
	}
	if sum.Uploads != lines || sum.Callers != callers {
		t.Fatalf("uploads %d callers %d", sum.Uploads, sum.Callers)
	}
	st, _ := out.Stat()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("10M lines, 50k callers: %s (%.0f lines/s incl. the generator), peak RSS %s, Go heap sys %d MB, trace %d MB",
		took.Round(time.Second), float64(lines)/took.Seconds(), peakRSS(), ms.HeapSys>>20, st.Size()>>20)
	t0 := time.Now()
	tr, err := Open(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Open of the 10M-upload trace: %s, %d callers", time.Since(t0).Round(time.Millisecond), len(tr.Callers()))
}

// generate writes n nginx lines of the given callers, one per millisecond.
func generate(path string, n, callers int) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b []byte
	for i := range n {
		c := (i * 7919) % callers
		at := t0.Add(time.Duration(i) * time.Millisecond)
		b = fmt.Appendf(b[:0], "10.0.%d.%d - - [%s] \"POST /v1/callers/tenant-%05d/records HTTP/1.1\" 201 57 \"-\" \"erp/1.0\" %d 0.000\n",
			c>>8, c&0xff, at.Format("02/Jan/2006:15:04:05 -0700"), c, 1000+(i*31)%50000)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// peakRSS is the process's high-water resident set, from /proc.
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
