package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut"
	"github.com/rehearse-dev/rehearse/traffic"
)

// nginxConf is a reverse proxy on 127.0.0.1:%d to 127.0.0.1:%d that logs
// every request as JSON with the caller's path, the body's length and
// the arrival in milliseconds (prefix %s).
const nginxConf = `worker_processes 1;
daemon off;
user root;
pid %[3]s/nginx.pid;
error_log %[3]s/error.log;
events { worker_connections 1024; }
http {
  client_body_temp_path %[3]s/body;
  proxy_temp_path %[3]s/proxy;
  fastcgi_temp_path %[3]s/fcgi;
  uwsgi_temp_path %[3]s/uwsgi;
  scgi_temp_path %[3]s/scgi;
  client_max_body_size 64m;
  log_format rehearse escape=json '{"msec":"$msec","request_method":"$request_method","request_uri":"$request_uri","status":"$status","content_length":"$content_length","request_time":"$request_time","remote_addr":"$remote_addr"}';
  access_log %[3]s/access.log rehearse;
  server {
    listen 127.0.0.1:%[1]d;
    location / { proxy_pass http://127.0.0.1:%[2]d; }
  }
}
`

// TestNginxLogReplay: a rehearsal goes through a real nginx reverse proxy
// whose access log has caller and size; the log is imported and replayed
// against fresh services: per caller, the uploads and their sizes equal
// the logged ones exactly, and every arrival is within a second (of the
// log's time) of the log's curve at speed 1 and, scaled, at speed 10.
func TestNginxLogReplay(t *testing.T) {
	bin := testenv.RequireProgram(t, "nginx", "nginx")
	dir := t.TempDir()
	ref, err := sut.New(sut.Config{Mode: sut.ModeSync, QueryDelay: -1, RecordMem: -1, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close(context.Background())
	upstream := httptest.NewServer(ref.Handler()) // the reference sync service behind nginx
	defer upstream.Close()
	port := freePort(t)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(nginxConf, port, upstreamPort(t, upstream.URL), dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	ng := exec.Command(bin, "-c", conf, "-p", dir)
	ng.Stderr = os.Stderr
	if err := ng.Start(); err != nil {
		t.Fatal(err)
	}
	defer testenv.RequireClosed(t, fmt.Sprintf("127.0.0.1:%d", port))
	defer testenv.StopGracefully(ng) // its workers too
	proxy := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUp(t, proxy+"/healthz")

	sc := harnesstest.Scenario(t, `name: through-nginx
sut: {url: "`+proxy+`"}
callers: {count: 40, records: {median: 20, p99: 200, max: 400}, record_bytes: 64, timeout: 5s}
arrival: {profile: ramp, window: 3s}
`)
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: t.Logf})
	if err != nil || res.Report.Callers.Succeeded != 40 {
		t.Fatalf("the rehearsal through nginx: %v", err)
	}
	logged, offsets := readNginxLog(t, filepath.Join(dir, "access.log"))
	trace := filepath.Join(dir, "access.trace.jsonl.gz")
	f, err := os.Create(trace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := traffic.Import(context.Background(), f, []string{filepath.Join(dir, "access.log")}, traffic.WithFormat(traffic.FormatNginxJSON)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, speed := range []float64{1, 10} {
		fresh := testenv.NewCounter()
		srv := httptest.NewServer(fresh)
		src := fmt.Sprintf("name: replay\nsut: {url: %q}\ncallers: {count: 40, record_bytes: 64}\ntraffic: {replay: %q, speed: %g}\n", srv.URL, trace, speed)
		rsc, err := scenarios.Parse(filepath.Join(dir, "replay.yaml"), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(t.Context(), rsc, Options{Out: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		srv.Close()
		arrived := fresh.Sizes()
		for caller, sizes := range logged {
			got := slices.Sorted(slices.Values(arrived[caller]))
			if fmt.Sprint(got) != fmt.Sprint(sizes) {
				t.Fatalf("speed %g: %s sent bodies %v, the log has %v", speed, caller, got, sizes)
			}
		}
		// Within a second of the log's time, beyond what the generator
		// itself reports as its lag (a loaded machine under -race delays a
		// send by a few hundred ms at times; the report says so, and that
		// is the generator's, not the replay's schedule): at speed 10 a
		// second of log time is only 100 ms of real time.
		lag := time.Duration(res.Report.Generator.MaxLagMs * float64(time.Millisecond))
		bound := time.Second + time.Duration(float64(lag+20*time.Millisecond)*speed)
		if drift := testenv.CurveDrift(fresh.Arrivals(), offsets, speed); len(arrived) != len(logged) || drift > bound {
			t.Fatalf("speed %g: %d callers, an arrival %s off the log's curve; the log: %d callers", speed, len(arrived), drift, len(logged))
		}
	}
}

// readNginxLog reads the JSON access log: per caller its body sizes
// (sorted), and every upload's arrival from the first.
func readNginxLog(t *testing.T, path string) (map[string][]int, []time.Duration) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sizes := map[string][]int{}
	var offsets []time.Duration
	var first float64
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var m map[string]string
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m["request_uri"], "/v1/callers/") {
			continue
		}
		ms, err1 := strconv.ParseFloat(m["msec"], 64)
		rt, err2 := strconv.ParseFloat(m["request_time"], 64)
		n, err3 := strconv.Atoi(m["content_length"])
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("log line %s: %v", sc.Text(), err)
		}
		at := ms - rt // arrival, as the import takes it
		if first == 0 {
			first = at
		}
		caller := strings.Split(strings.TrimPrefix(m["request_uri"], "/v1/callers/"), "/")[0]
		sizes[caller] = append(sizes[caller], n)
		offsets = append(offsets, time.Duration((at-first)*float64(time.Second)))
	}
	for _, s := range sizes {
		slices.Sort(s)
	}
	return sizes, offsets
}

// upstreamPort is the port of an httptest server's URL.
func upstreamPort(t *testing.T, u string) int {
	t.Helper()
	var p int
	if _, err := fmt.Sscanf(u[strings.LastIndex(u, ":")+1:], "%d", &p); err != nil {
		t.Fatal(err)
	}
	return p
}
