// Package promtest starts a real Prometheus server (Debian's `prometheus`
// package) for a test: on 127.0.0.1, with a temporary config and data
// folder, killed when the test ends. It is imported by tests only.
package promtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Binary is the server's executable, as Debian installs it (.ci/run
// installs the package when it is missing).
const Binary = "prometheus"

// Paths of the server's HTTP API.
const (
	ReadyPath       = "/-/ready"
	QueryPath       = "/api/v1/query"
	RemoteWritePath = "/api/v1/write"
)

// Require returns the server's path. Without it the test is skipped loudly,
// or fails under CI=true, where a missing server must never pass
// silently; it is also skipped in -short mode.
func Require(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("Prometheus test; skipped in -short mode")
	}
	path, err := exec.LookPath(Binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not installed (apt-get install prometheus): %v", Binary, err)
		}
		t.Skipf("SKIPPING Prometheus test: %s is not installed (apt-get install prometheus): %v", Binary, err)
	}
	return path
}

// Options say what the server does.
type Options struct {
	// Scrape are host:port targets scraped at Interval.
	Scrape []string
	// Interval is the scrape interval; 500 ms when 0.
	Interval time.Duration
	// RemoteWriteReceiver accepts remote write at RemoteWritePath.
	RemoteWriteReceiver bool
	// NativeHistograms turns on the native-histograms feature.
	NativeHistograms bool
}

// Server is a running Prometheus.
type Server struct {
	// URL is its base URL, http://127.0.0.1:<port>.
	URL string
}

// args builds the server's command line.
func args(config, data, addr string, o Options) []string {
	a := []string{"--config.file=" + config, "--storage.tsdb.path=" + data, "--web.listen-address=" + addr, "--log.level=warn"}
	if o.RemoteWriteReceiver {
		a = append(a, "--web.enable-remote-write-receiver")
	}
	if o.NativeHistograms {
		a = append(a, "--enable-feature=native-histograms")
	}
	return a
}

// config is the server's configuration file.
func config(o Options) string {
	iv := o.Interval
	if iv <= 0 {
		iv = 500 * time.Millisecond
	}
	c := fmt.Sprintf("global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", iv, iv)
	if len(o.Scrape) > 0 {
		c += fmt.Sprintf("scrape_configs:\n  - job_name: rehearse\n    scrape_interval: %s\n    static_configs:\n      - targets: [%s]\n",
			iv, strings.Join(o.Scrape, ", "))
	}
	return c
}

// Start starts a server and waits until it is ready; the test's cleanup
// kills it and waits for it to exit.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	bin := Require(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config(o)), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, args(cfg, filepath.Join(dir, "data"), addr, o)...)
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		_ = logf.Close()
	})
	s := &Server{URL: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + ReadyPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s exited before it was ready:\n%s", bin, log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 30 s: %v", bin, err)
		}
	}
}

// freeAddr is a free 127.0.0.1 port, as host:port.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// Query runs an instant query and returns its vector: each series' labels,
// sorted k=v joined by commas (the metric name as __name__), to its value.
func (s *Server) Query(t testing.TB, expr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(s.URL + QueryPath + "?query=" + url.QueryEscape(expr))
	if err != nil {
		t.Fatalf("query %s: %v", expr, err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("query %s: %v", expr, err)
	}
	if r.Status != "success" || r.Data.ResultType != "vector" {
		t.Fatalf("query %s: %s %s (%s)", expr, r.Status, r.Error, r.Data.ResultType)
	}
	out := map[string]float64{}
	for _, x := range r.Data.Result {
		str, _ := x.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			t.Fatalf("query %s: value %v: %v", expr, x.Value[1], err)
		}
		out[Key(x.Metric)] = v
	}
	return out
}

// Key is the sorted k=v form of a label set that Query uses.
func Key(labels map[string]string) string {
	kv := make([]string, 0, len(labels))
	for k, v := range labels {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

// WaitFor queries expr until ok accepts its vector or timeout passes, and
// returns the last vector.
func (s *Server) WaitFor(t testing.TB, expr string, timeout time.Duration, ok func(map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v := s.Query(t, expr)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s: not as expected after %s: %v", expr, timeout, v)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
