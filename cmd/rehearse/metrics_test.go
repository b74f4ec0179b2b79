package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// TestMetricsFlagsRefusedBeforeTheStorm: a busy --metrics-addr exits 3, a
// remote or malformed one (or a malformed --prometheus-rw) exits 2, and
// nothing is sent or written.
func TestMetricsFlagsRefusedBeforeTheStorm(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	srv, sent := testenv.CountingServer(t)
	url := srv.URL
	sc := writeScenario(t, "name: tiny\nsut: {url: "+url+"}\ncallers: {count: 5, records: 1}\narrival: {profile: burst, window: 100ms}\n")
	for name, tc := range map[string]struct {
		flags []string
		code  int
		say   string
	}{
		"busy":            {[]string{"--metrics-addr", busy.Addr().String()}, exitEnv, "metrics address in use"},
		"every iface":     {[]string{"--metrics-addr", ":9464"}, exitUsage, "listens on every interface"},
		"remote":          {[]string{"--metrics-addr", "192.0.2.1:9464"}, exitUsage, "hint: serve on 127.0.0.1, or give --allow-remote"},
		"malformed":       {[]string{"--metrics-addr", "9464"}, exitUsage, "want host:port"},
		"remote write":    {[]string{"--prometheus-rw", "127.0.0.1:9090/api/v1/write"}, exitUsage, "malformed remote-write URL"},
		"negative linger": {[]string{"--metrics-addr", "127.0.0.1:0", "--metrics-linger", "-1s"}, exitUsage, "--metrics-linger must be >= 0"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"attack", "--target", url, "--out", out, "--progress", "none"}, tc.flags...)
		code, _, stderr := cli(t, append(args, sc)...)
		if code != tc.code || !strings.Contains(stderr, tc.say) {
			t.Errorf("%s: exit %d, want %d with %q; stderr:\n%s", name, code, tc.code, tc.say, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: the run folder was created", name)
		}
	}
	if sent.Load() != 0 {
		t.Fatalf("%d requests sent by refused runs", sent.Load())
	}
}

// TestAttackServesMetricsAndLingers: --metrics-addr serves the storm, and
// after the run the endpoint stays up for --metrics-linger with the final
// counts.
func TestAttackServesMetricsAndLingers(t *testing.T) {
	srv, sent := testenv.CountingServer(t)
	url := srv.URL
	sc := writeScenario(t, "name: tiny\nsut: {url: "+url+"}\ncallers: {count: 40, records: 5, timeout: 2s}\narrival: {profile: burst, window: 500ms}\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var mu sync.Mutex
	var last string
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // scrape as Prometheus would, keeping the last answer
		defer wg.Done()
		for {
			select {
			case <-quit:
				return
			case <-time.After(100 * time.Millisecond):
			}
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			last = string(b)
			mu.Unlock()
		}
	}()
	start := time.Now()
	code, _, stderr := cli(t, "attack", "--target", url, "--out", t.TempDir(), "--progress", "none",
		"--metrics-addr", addr, "--metrics-linger", "1s", sc)
	close(quit)
	wg.Wait()
	if code != exitOK || sent.Load() != 40 {
		t.Fatalf("exit %d, %d sent; stderr:\n%s", code, sent.Load(), stderr)
	}
	if !strings.Contains(stderr, "stay at http://"+addr+"/metrics for 1s") || time.Since(start) < time.Second {
		t.Errorf("no linger (%s); stderr:\n%s", time.Since(start), stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{`outcome="ok",run="`, `scenario="tiny",shard="0/1"} 40`, "rehearse_storm_end_timestamp_seconds{"} {
		if !strings.Contains(last, want) {
			t.Errorf("the last scrape lacks %q:\n%s", want, last)
		}
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("the endpoint still listens after the linger")
	}
}

// A shard of a federation (--metrics-port-by-shard) whose port was taken
// in the meantime storms without its series rather than not at all.
func TestShardStormsWhenItsMetricsPortIsTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	srv, sent := testenv.CountingServer(t)
	sc := writeScenario(t, "name: tiny\nsut: {url: "+srv.URL+"}\ncallers: {count: 6, records: 1}\narrival: {profile: burst, window: 100ms}\n")
	code, _, stderr := cli(t, "attack", "--target", srv.URL, "--out", t.TempDir(), "--progress", "none", "--shard", "0/2",
		"--metrics-addr", busy.Addr().String(), "--metrics-port-by-shard", sc)
	if code != exitOK || sent.Load() != 3 || !strings.Contains(stderr, "this shard storms without serving its series") {
		t.Fatalf("exit %d, %d requests (want 0 and 3); stderr:\n%s", code, sent.Load(), stderr)
	}
}
