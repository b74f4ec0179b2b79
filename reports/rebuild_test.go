package reports

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// killedRunLog is the attempts.csv of a run killed mid-storm, as AttemptLog
// wrote it: three sync callers (one retried after a timeout), one async
// caller accepted, one out-of-files attempt, and a last line cut short.
func killedRunLog(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	l := NewAttemptLog(&buf)
	for _, a := range []Attempt{
		{Caller: 0, Try: 1, Intended: 0, Sent: 0, Latency: 20 * time.Millisecond, Status: 200},
		{Caller: 1, Try: 1, Intended: 500 * time.Millisecond, Sent: 501 * time.Millisecond, Latency: time.Second, Class: ClassTimeout},
		{Caller: 1, Try: 2, Intended: 2 * time.Second, Sent: 2 * time.Second, Latency: 40 * time.Millisecond, Status: 200},
		{Caller: 2, Try: 1, Intended: 2500 * time.Millisecond, Sent: 2500 * time.Millisecond, Latency: 30 * time.Millisecond, Status: 503, Class: ClassHTTP5xx},
		{Caller: 3, Try: 1, Intended: 3 * time.Second, Sent: 3 * time.Second, Latency: 10 * time.Millisecond, Status: 202},
		{Caller: 4, Try: 1, Intended: 3 * time.Second, Sent: 3 * time.Second, Class: GenOutOfFiles},
	} {
		if err := l.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	return append(buf.Bytes(), "5,1,3100.000,31"...) // kill -9 in the middle of a line
}

func RebuiltReport(t *testing.T) *Report {
	t.Helper()
	r, err := Rebuild(bytes.NewReader(killedRunLog(t)), T0)
	if err != nil {
		t.Fatal(err)
	}
	r.Scenario = ScenarioInfo{Name: "killed", File: "killed.yaml", Seed: 3}
	return r
}

// lockedBuffer is a bytes.Buffer the flush timer and the test may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAttemptLogFlushesWithinASecond: an attempt reaches the file within
// FlushEvery even when no other attempt follows, so kill -9 loses at most
// a second of the log.
func TestAttemptLogFlushesWithinASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		l := NewAttemptLog(&out)
		if err := l.Write(Attempt{Caller: 7, Try: 1, Status: 200}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(FlushEvery / 2)
		synctest.Wait()
		if out.String() != "" {
			t.Fatalf("flushed before FlushEvery: %q", out.String())
		}
		time.Sleep(FlushEvery / 2)
		synctest.Wait()
		if !strings.Contains(out.String(), "\n7,1,") {
			t.Fatalf("not flushed after %s: %q", FlushEvery, out.String())
		}
		// A later attempt arms the timer again.
		if err := l.Write(Attempt{Caller: 8, Try: 1, Status: 200}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(FlushEvery)
		synctest.Wait()
		if !strings.Contains(out.String(), "\n8,1,") {
			t.Fatalf("second attempt not flushed: %q", out.String())
		}
		if err := l.Flush(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAttemptLogConcurrentWriters: the storm engine writes from many
// goroutines; every attempt arrives whole.
func TestAttemptLogConcurrentWriters(t *testing.T) {
	var out lockedBuffer
	l := NewAttemptLog(&out)
	var wg sync.WaitGroup
	for g := int32(0); g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				_ = l.Write(Attempt{Caller: g, Try: int32(i + 1), Latency: time.Millisecond, Status: 200})
			}
		}()
	}
	wg.Wait()
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := ReadAttemptLog(strings.NewReader(out.String()), func(Attempt) error { n++; return nil }); err != nil || n != 4000 {
		t.Fatalf("read %d attempts, err %v", n, err)
	}
}

// legacyLog is an attempts.csv written before the caller_class column.
const legacyLog = `caller,try,intended_ms,sent_ms,latency_ms,status,class
0,1,0.000,0.000,20.000,200,
1,1,500.000,501.000,1000.000,0,timeout
1,2,2000.000,2000.000,40.000,200,
`

func TestRebuildLegacyLogIsOneClass(t *testing.T) {
	r, err := Rebuild(strings.NewReader(legacyLog), T0)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Classes[DefaultClass]
	if len(r.Classes) != 1 || c == nil || c.Callers != 2 || c.Attempts != 3 || c.Retries != 1 || c.Timeouts != 1 || *c.Amplification != 1.5 {
		t.Fatalf("classes %v", r.Classes)
	}
	var n int
	if err := ReadAttemptLog(strings.NewReader(legacyLog), func(a Attempt) error { n++; return nil }); err != nil || n != 3 {
		t.Fatalf("read %d, %v", n, err)
	}
	if _, err := Rebuild(strings.NewReader(legacyLog+"2,1,0,0,0,200,,1\n"), T0); err == nil {
		t.Error("a line with more fields than its header accepted")
	}
}

// classLog is an attempts.csv written before the bytes_out and bytes_in
// columns, its last line cut off by a kill.
const classLog = `caller,try,intended_ms,sent_ms,latency_ms,status,class,caller_class
0,1,0.000,0.000,20.000,200,,0
1,1,500.000,501.000,1000.000,0,timeout,1
1,2,2000.000,2000.0`

// TestScanAttemptLogOlderLogs: a log without the byte columns is read
// with every byte count not recorded (-1, never 0), and says so; a cut
// last line is left out and said.
func TestScanAttemptLogOlderLogs(t *testing.T) {
	var got []Attempt
	scan, err := ScanAttemptLog(strings.NewReader(classLog), func(a Attempt) error { got = append(got, a); return nil })
	if err != nil || scan.Bytes || !scan.Cut || len(got) != 2 {
		t.Fatalf("scan %+v, %d attempts, err %v", scan, len(got), err)
	}
	for _, a := range got {
		if a.BytesOut != -1 || a.BytesIn != -1 {
			t.Fatalf("bytes of an old log: %+v", a)
		}
	}
	if got[1].CallerClass != 1 || got[1].Class != ClassTimeout || got[1].Sent != 501*time.Millisecond {
		t.Fatalf("second attempt %+v", got[1])
	}
	scan, err = ScanAttemptLog(strings.NewReader(legacyLog), func(a Attempt) error { return nil })
	if err != nil || scan.Bytes || scan.Cut {
		t.Fatalf("legacy log: %+v %v", scan, err)
	}
	for _, bad := range []string{"caller,try\n", "caller,try,intended_ms,sent_ms,latency_ms,status,class,caller_class,bytes_out,bytes_in\n0,1,0,0,0,200,,0,-5,3\n"} {
		if _, err := ScanAttemptLog(strings.NewReader(bad), func(Attempt) error { return nil }); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestRebuildClasses: a rebuilt report counts each class's callers and
// attempts from the log; their outcomes stay not measured.
func TestRebuildClasses(t *testing.T) {
	var buf bytes.Buffer
	l := NewAttemptLog(&buf)
	for _, a := range []Attempt{
		{Caller: 0, Try: 1, Latency: 10 * time.Millisecond, Status: 200},
		{Caller: 1, Try: 1, Latency: 10 * time.Millisecond, Status: 503, Class: ClassHTTP5xx, CallerClass: 1},
		{Caller: 1, Try: 2, Sent: time.Second, Latency: 10 * time.Millisecond, Status: 200, CallerClass: 1},
		{Caller: 2, Try: 1, Class: GenOutOfPorts, CallerClass: 2},
	} {
		if err := l.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "caller,try,intended_ms,sent_ms,latency_ms,status,class,caller_class,bytes_out,bytes_in,caller_name,resent,redirects\n0,1,") ||
		!strings.Contains(buf.String(), ",200,,1,0,0,,0,0\n") {
		t.Fatalf("log:\n%s", buf.String())
	}
	named, err := Rebuild(bytes.NewReader(buf.Bytes()), T0, RebuildClasses([]string{"erp", "batch", "cron", "idle"}))
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, name := range []string{"erp", "batch", "cron", "idle"} {
		c := named.Classes[name]
		got += fmt.Sprintf("%s:%d/%d/%d ", name, c.Callers, c.Attempts, c.Retries)
	}
	if got != "erp:1/1/0 batch:1/2/1 cron:1/0/0 idle:0/0/0 " || len(named.Classes) != 4 {
		t.Errorf("classes %s", got)
	}
	if _, ok := Variables(named)["gave_up[batch]"]; ok || MissingReason(named, "gave_up[batch]") != "not measured (callers' outcomes not recorded)" {
		t.Error("a rebuilt class's outcomes are measured")
	}
	unnamed, err := Rebuild(bytes.NewReader(buf.Bytes()), T0)
	if err != nil {
		t.Fatal(err)
	}
	if c := unnamed.Classes["class1"]; c == nil || c.Attempts != 2 || unnamed.Classes["class2"] == nil ||
		!strings.Contains(strings.Join(unnamed.Notes, "\n"), "by index only") {
		t.Errorf("unnamed classes %v notes %q", unnamed.Classes, unnamed.Notes)
	}
}

// TestAttemptLogCallerNames: the caller_name column holds each caller's
// name as sent, a comma, quote or line break in it %-escaped, and the log
// reads back with its attempts unchanged.
func TestAttemptLogCallerNames(t *testing.T) {
	var buf bytes.Buffer
	l := NewAttemptLog(&buf)
	names := []string{"acme", "tenant,\"7\"\n"}
	l.SetCallerNames(func(dst []byte, c int32) []byte { return append(dst, names[c]...) })
	for c := range int32(2) {
		if err := l.Write(Attempt{Caller: c, Try: 1, Status: 201}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], ",acme,0,0") || !strings.HasSuffix(lines[2], ",tenant%2C%227%22%0A,0,0") {
		t.Fatalf("log:\n%s", buf.String())
	}
	var got []Attempt
	if _, err := ScanAttemptLog(bytes.NewReader(buf.Bytes()), func(a Attempt) error { got = append(got, a); return nil }); err != nil || len(got) != 2 || got[1].Caller != 1 {
		t.Fatalf("read back %+v, %v", got, err)
	}
}
