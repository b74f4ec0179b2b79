package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/reports"
)

// benchAttempts is the size of the run BenchmarkReportLongRun re-renders:
// 5 M attempts, what a storm of 1,000 attempts a second leaves after
// 83 minutes (docs/attempts.md has the numbers).
const benchAttempts = 5_000_000

// longRunFolder writes the attempt log of a long run into dir in the form
// o says: 1,000,000 callers over 5,000 s, each with 1 to 9 tries, latencies
// log-normal around 80 ms, one try in ten a 503 or a timeout, caller names
// as the storm writes them.
func longRunFolder(b *testing.B, dir string, o reports.AttemptLogOptions) {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	l, err := reports.CreateAttemptLog(dir, o)
	if err != nil {
		b.Fatal(err)
	}
	l.SetCallerNames(func(dst []byte, c int32) []byte { return fmt.Appendf(dst, "caller-%07d", c) })
	r := rand.New(rand.NewPCG(5, 5))
	for n := 0; n < benchAttempts; {
		c := int32(n / 5)
		at := time.Duration(float64(n) / benchAttempts * 5000 * float64(time.Second))
		for try := int32(1); try <= 1+int32(r.IntN(9)) && n < benchAttempts; try++ {
			lat := time.Duration(math.Exp(r.NormFloat64()*0.6+math.Log(80)) * float64(time.Millisecond))
			a := reports.Attempt{Caller: c, Try: try, Intended: at, Sent: at + time.Duration(r.IntN(2000))*time.Microsecond,
				Latency: lat, Status: 200, BytesOut: 2048, BytesIn: 57}
			switch r.IntN(20) {
			case 0:
				a.Status, a.Class = 503, reports.ClassHTTP5xx
			case 1:
				a.Status, a.Class, a.Latency, a.BytesIn = 0, reports.ClassTimeout, 5*time.Second, 0
			}
			if err := l.Write(a); err != nil {
				b.Fatal(err)
			}
			at += time.Second
			n++
		}
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReportLongRun is `rehearse report` on a run of 5 M attempts:
// a killed one (no report.json: the report is rebuilt from its
// attempts.csv.gz, or attempts.csv), and a finished one (report.json).
// One op is one command; make bench runs it with the other benchmarks.
func BenchmarkReportLongRun(b *testing.B) {
	root := b.TempDir()
	gz, plain, done := filepath.Join(root, "gz", "long"), filepath.Join(root, "plain", "long"), filepath.Join(root, "done", "long")
	longRunFolder(b, gz, reports.AttemptLogOptions{})
	longRunFolder(b, plain, reports.AttemptLogOptions{Plain: true})
	for _, d := range []string{gz, plain} {
		st, _ := os.Stat(filepath.Join(d, map[string]string{gz: reports.AttemptLogGzFile, plain: reports.AttemptLogFile}[d]))
		b.Logf("%s: %d bytes, %.1f a attempt", st.Name(), st.Size(), float64(st.Size())/benchAttempts)
	}
	longRunFolder(b, done, reports.AttemptLogOptions{})
	f, err := reports.OpenAttemptLog(done)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := reports.Rebuild(f, time.Now())
	_ = f.Close()
	if err != nil || harness.WriteRunFolder(done, rep) != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, dir, format string }{
		{"killed/gz/table", gz, "table"}, {"killed/gz/html", gz, "html"}, {"killed/csv/table", plain, "table"},
		{"finished/table", done, "table"}, {"finished/html", done, "html"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if code := newApp(io.Discard, io.Discard).execute(context.Background(), []string{"report", "--format", c.format, c.dir}); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(float64(benchAttempts)/b.Elapsed().Seconds()*float64(b.N)/1e6, "M-attempts/s")
		})
	}
}
