package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rehearse-dev/rehearse/internal/testenv"
)

// `attack --shards 2 --metrics-addr` serves both shards' series at one
// address while they storm (each with its shard label), and once they
// ended their final counts: attempts summed over the shards equal the
// merged report's requests.total and the service's count.
func TestLocalShardsServeEveryShardsMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	bin := buildCLI(t)
	srv, served := testenv.CountingServer(t)
	sc := writeScenario(t, "name: fed\nsut: {url: "+srv.URL+"}\ncallers: {count: 300, records: 2, timeout: 5s}\narrival: {profile: constant, rate: 100}\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out := t.TempDir()
	cmd := exec.Command(bin, "attack", "--target", srv.URL, "--shards", "2", "--metrics-addr", addr, "--metrics-linger", "2m", "--out", out, "--progress", "none", sc)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	checkFederation(t, cmd, addr, filepath.Join(out, "fed", "report.json"), 2, 300, served.Load, 60*time.Second)
}

// checkFederation scrapes addr while cmd's n shards storm — every
// shard's series there, the service (served) not at want yet — and once
// report is written: the shards' final attempts sum to the report's
// requests and to want. A SIGINT then ends cmd's linger.
func checkFederation(t *testing.T, cmd *exec.Cmd, addr, report string, n int, want int64, served func() int64, start time.Duration) {
	t.Helper()
	var during map[string]float64
	waitFor(t, start, func() bool {
		during = attemptsByShard(addr)
		return len(during) == n && served() < want
	})
	waitFor(t, 180*time.Second, func() bool { _, err := os.Stat(report); return err == nil })
	final := attemptsByShard(addr)
	var total float64
	for _, v := range final {
		total += v
	}
	req := readReport(t, report)["requests"].(map[string]any)["total"].(float64)
	if len(final) != n || total != req || req != float64(want) || served() != want {
		t.Fatalf("during %v, final %v (sum %g); report %g, service %d", during, final, total, req, served())
	}
	_ = cmd.Process.Signal(syscall.SIGINT) // ends the linger
	if err := cmd.Wait(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 1 {
			t.Fatalf("exit: %v", err)
		}
	}
}

// attemptsByShard scrapes addr and sums rehearse_attempts_total by shard
// label; nil when nothing answered.
func attemptsByShard(addr string) map[string]float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil
	}
	out := map[string]float64{}
	for _, m := range fams["rehearse_attempts_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "shard" && strings.Contains(l.GetValue(), "/") {
				out[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
