package storm

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

// The wire's conformance suite: the storm against HTTP stacks nobody here
// wrote, each counting its own truth — requests read, bytes stored — and
// the report held equal to it.

// freePort is a port on 127.0.0.1 nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNginx runs nginx in the foreground on conf (a format taking the
// port and the folder), waits until it answers, and stops it at the end.
func startNginx(t *testing.T, conf string, args ...any) (url, dir string) {
	t.Helper()
	bin := testenv.RequireProgram(t, "nginx", "nginx")
	dir = t.TempDir()
	// nginx's workers run as nobody when the tests run as root: they must
	// reach the folder and write where the files go.
	for _, d := range []string{filepath.Dir(dir), dir} { // t.TempDir's parent is 0700 too
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"data", "body"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, sub), 0o777); err != nil { // past the umask
			t.Fatal(err)
		}
	}
	port := freePort(t)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(conf, append([]any{port, dir}, args...)...)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", path, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		testenv.StopGracefully(cmd) // its workers too
		testenv.RequireClosed(t, fmt.Sprintf("127.0.0.1:%d", port))
	})
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	waitListening(t, url, cmd)
	return url, dir
}

// waitListening waits until url accepts connections, or cmd exits.
func waitListening(t *testing.T, url string, cmd *exec.Cmd) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err == nil {
			c.Close()
			return
		}
		if cmd.ProcessState != nil || time.Now().After(deadline) {
			t.Fatalf("%s never listened on %s", cmd.Path, url)
		}
	}
}

// nginxDAV stores each PUT as a file (nginx's WebDAV module): the files
// are its truth.
const nginxDAV = `daemon off; worker_processes 1; pid %[2]s/nginx.pid;
events {}
http {
  access_log off;
  client_body_temp_path %[2]s/body; proxy_temp_path %[2]s/proxy; fastcgi_temp_path %[2]s/fcgi;
  uwsgi_temp_path %[2]s/uwsgi; scgi_temp_path %[2]s/scgi;
  server {
    listen 127.0.0.1:%[1]d;
    root %[2]s/data;
    client_max_body_size 100m;
    location /store/ { dav_methods PUT; create_full_put_path on; }
  }
}
`

// TestConformanceNginxServer: uploads PUT to a real nginx that stores
// each one as a file. Files, their bytes and the report agree exactly.
func TestConformanceNginxServer(t *testing.T) {
	url, dir := startNginx(t, nginxDAV)
	sc := scenario(t, url, `callers: {count: 120, records: {median: 40, p99: 400}, record_bytes: 300}
arrival: {profile: poisson, rate: 300}
api:
  upload: {method: PUT, path: "/store/{caller}.json", body: {format: json}}
`)
	rep, _ := run(t.Context(), t, sc, url+"/")
	if rep.Requests.OK != 120 {
		elog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		t.Fatalf("report %+v; nginx's error log:\n%s", rep.Requests, elog)
	}
	req := harnesstest.Requests(t, sc)
	files, bytes := 0, int64(0)
	for i := range 120 {
		st, err := os.Stat(filepath.Join(dir, "data", req.Path(i, 1)))
		if err != nil {
			t.Fatalf("caller %d's upload is not stored: %v", i, err)
		}
		if want := req.BodyLen(i, 1); st.Size() != want {
			t.Fatalf("caller %d stored %d bytes, sent %d", i, st.Size(), want)
		}
		files, bytes = files+1, bytes+st.Size()
	}
	if rep.Requests.Total != 120 || rep.Requests.OK != 120 || rep.Requests.Status["201"] != 120 {
		t.Fatalf("report %+v; nginx stored %d files, %d bytes", rep.Requests, files, bytes)
	}
}

// nginxProxy sends each request on to a counting service, closing client
// connections after 3 requests and after 300 ms idle (unannounced).
const nginxProxy = `daemon off; worker_processes 1; pid %[2]s/nginx.pid;
events {}
http {
  log_format counted '$status $request_length';
  access_log %[2]s/access.log counted;
  client_body_temp_path %[2]s/body; proxy_temp_path %[2]s/proxy; fastcgi_temp_path %[2]s/fcgi;
  uwsgi_temp_path %[2]s/uwsgi; scgi_temp_path %[2]s/scgi;
  keepalive_requests 3;
  keepalive_timeout 300ms;
  server {
    listen 127.0.0.1:%[1]d;
    client_max_body_size 100m;
    location / { proxy_pass http://127.0.0.1:%[3]d; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`

// TestConformanceNginxProxy: the storm through a real nginx that closes
// connections after 3 requests and after 300 ms idle, to a service that
// counts what it read and drops every 9th request unanswered (nginx
// answers 502 for it). nginx's access log, the service's journal and the
// report agree exactly — also when a request meets nginx's idle close.
func TestConformanceNginxProxy(t *testing.T) {
	var j journal
	backend := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
		if j.read(r)%9 == 0 {
			j.drop(w)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}, nil)
	port, _ := strconv.Atoi(backend.URL[strings.LastIndex(backend.URL, ":")+1:])
	url, dir := startNginx(t, nginxProxy, port)
	sc := scenario(t, url, `callers:
  count: 150
  records: 20
  retry: {attempts: 2, backoff: constant, base: 400ms, jitter: none, on: [5xx]}
arrival: {profile: constant, rate: 100}
`)
	rep, _ := run(t.Context(), t, sc, url)
	// nginx writes a request's log line after its answer left: the
	// report may hold an answer whose line is still being written.
	logged, status := readAccessLog(t, filepath.Join(dir, "access.log"))
	for deadline := time.Now().Add(5 * time.Second); logged < rep.Requests.Total && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		logged, status = readAccessLog(t, filepath.Join(dir, "access.log"))
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// A request written into nginx's idle close at the very instant it
	// closes is sent again (requests.resent) and is one attempt: the
	// counts stay equal either way.
	if rep.Requests.Total != logged || j.requests != logged || rep.Requests.Status["502"] != status["502"] ||
		rep.Requests.Status["201"] != j.requests-j.dropped {
		t.Fatalf("report %+v; nginx logged %d %v; the service read %d, dropped %d",
			rep.Requests, logged, status, j.requests, j.dropped)
	}
	if j.dropped == 0 || rep.Callers.Retries == 0 {
		t.Fatalf("nothing was dropped or retried: %+v", rep.Callers)
	}
}

// readAccessLog counts the lines of a "$status $request_length" log, and
// them by status.
func readAccessLog(t *testing.T, path string) (int64, map[string]int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	status := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		status[strings.Fields(sc.Text())[0]]++
	}
	return n, status
}

// TestConformanceCPythonHTTP10: CPython's http.server speaking HTTP/1.0,
// each answer's body ending when it closes the connection, every 5th a
// 503. Its journal (path and bytes read per request) and the report
// agree exactly, bytes included.
func TestConformanceCPythonHTTP10(t *testing.T) {
	python := testenv.RequireProgram(t, "python3", "python3")
	journalPath := filepath.Join(t.TempDir(), "journal")
	cmd := exec.Command(python, "testdata/conformance/http10_server.py", journalPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testenv.StopGracefully(cmd) })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the python server did not start: %v", err)
	}
	url := "http://127.0.0.1:" + strings.TrimSpace(line)
	sc := scenario(t, url, `callers:
  count: 80
  records: {median: 30, p99: 200}
  retry: {attempts: 3, backoff: constant, base: 20ms, jitter: none, on: [5xx]}
arrival: {profile: poisson, rate: 100}
`)
	rep, _ := run(t.Context(), t, sc, url)
	req := harnesstest.Requests(t, sc)
	lines, bytes := readJournal(t, journalPath)
	var sent int64
	for i := range 80 {
		sent += req.BodyLen(i, 1) * int64(lines[req.Path(i, 1)])
	}
	var total int64
	for _, n := range lines {
		total += int64(n)
	}
	if rep.Requests.Total != total || rep.Requests.Status["503"] != total/5 ||
		rep.Requests.Errors[reports.ClassHTTP5xx] != total/5 || bytes != sent {
		t.Fatalf("report %+v; the service read %d requests, %d bytes (sent %d)", rep.Requests, total, bytes, sent)
	}
}

// readJournal reads "<path> <bytes>" lines: requests per path, and bytes.
func readJournal(t *testing.T, path string) (map[string]int, int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines, bytes := map[string]int{}, int64(0)
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		p, n, _ := strings.Cut(l, " ")
		k, _ := strconv.ParseInt(n, 10, 64)
		lines[p]++
		bytes += k
	}
	return lines, bytes
}

// TestConformanceTusd: uploads to tusd v2 (the tus protocol's reference
// server) as tus clients create them with their data in one request
// (creation-with-upload: POST /files/ with Upload-Length and the body).
// tusd's own record of each upload (its .info file: size and offset
// received) equals what the report says was sent.
func TestConformanceTusd(t *testing.T) {
	url, dir := startTusd(t)
	sc := scenario(t, url, `callers: {count: 60, records: {median: 50, p99: 500}, record_bytes: 200}
arrival: {profile: poisson, rate: 200}
api:
  upload:
    method: POST
    path: /files/
    headers: {Tus-Resumable: 1.0.0, Upload-Length: "{body.length}", Content-Type: application/offset+octet-stream}
    body: {format: raw}
`)
	rep, _ := run(t.Context(), t, sc, url)
	req := harnesstest.Requests(t, sc)
	var sent int64
	for i := range 60 {
		sent += req.BodyLen(i, 1)
	}
	uploads, stored := readTusdInfos(t, dir)
	if rep.Requests.Total != 60 || rep.Requests.Status["201"] != 60 || uploads != 60 || stored != sent {
		t.Fatalf("report %+v; tusd holds %d uploads of %d bytes (sent %d)", rep.Requests, uploads, stored, sent)
	}
}

// startTusd starts tusd on a free loopback port, its uploads in a
// folder of the test's, stopped gracefully after: its base URL and
// the folder.
func startTusd(t *testing.T) (url, dir string) {
	t.Helper()
	bin := testenv.RequireProgram(t, "tusd", "tusd: go install "+tusdModule+" (make tools)")
	dir = t.TempDir()
	port := freePort(t)
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", strconv.Itoa(port), "-upload-dir", dir,
		"-base-path", "/files/", "-disable-download", "-disable-termination", "-disable-cors")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testenv.StopGracefully(cmd) })
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	waitListening(t, url, cmd)
	return url, dir
}

// tusdModule is the tusd release the suite is tested with (make tools).
const tusdModule = "github.com/tus/tusd/v2/cmd/tusd@v2.9.1"

// readTusdInfos reads tusd's uploads: each one's .info (its declared
// Size) and its data file (tusd's filestore takes an upload's offset from
// the file's size): uploads, and bytes received, each upload whole.
func readTusdInfos(t *testing.T, dir string) (int, int64) {
	t.Helper()
	infos, err := filepath.Glob(filepath.Join(dir, "*.info"))
	if err != nil {
		t.Fatal(err)
	}
	var bytes int64
	for _, p := range infos {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var info struct{ Size int64 }
		if err := json.Unmarshal(b, &info); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		st, err := os.Stat(strings.TrimSuffix(p, ".info"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != info.Size {
			t.Fatalf("%s: tusd received %d of %d bytes", p, st.Size(), info.Size)
		}
		bytes += st.Size()
	}
	return len(infos), bytes
}

// TestConformanceTusdTwoSteps: the standard tus flow, as tus clients run
// it — create (POST /files/ with Upload-Length, no body), then PATCH the
// data to the Location tusd answered, in parts of 16 KiB with their
// Upload-Offset. tusd's own record of each upload equals what the report
// says was sent, and every caller's upload is whole.
func TestConformanceTusdTwoSteps(t *testing.T) {
	url, dir := startTusd(t)
	sc := scenario(t, url, `callers: {count: 40, records: {median: 100, p99: 400, max: 500}, record_bytes: 200}
arrival: {profile: poisson, rate: 200}
api:
  upload:
    headers: {Tus-Resumable: 1.0.0}
    body: {format: raw}
    steps:
      - {method: POST, path: /files/, headers: {Upload-Length: "{upload.length}"}, save: {url: "header:Location"}}
      - method: PATCH
        path: "{step.url}"
        headers: {Upload-Offset: "{part.offset}", Content-Type: application/offset+octet-stream}
        parts: {size: 16KiB}
`)
	rep, _ := run(t.Context(), t, sc, url)
	req := harnesstest.Requests(t, sc)
	var sent, parts int64
	for i := range 40 {
		n := req.DataLen(i, 1)
		sent, parts = sent+n, parts+max((n+16<<10-1)/(16<<10), 1)
	}
	uploads, stored := readTusdInfos(t, dir)
	if rep.Callers.Succeeded != 40 || uploads != 40 || stored != sent {
		t.Fatalf("report callers %+v requests %+v; tusd holds %d uploads of %d bytes (sent %d)", rep.Callers, rep.Requests, uploads, stored, sent)
	}
	if len(rep.Steps) != 2 || rep.Steps[0].Attempts != 40 || rep.Steps[1].Attempts != parts || rep.Steps[1].BytesOut != sent ||
		rep.Steps[1].Errors != 0 || rep.Requests.Status["204"] != 40 {
		t.Fatalf("steps %+v (want 40 creates, %d parts of %d bytes); statuses %v", rep.Steps, parts, sent, rep.Requests.Status)
	}
}
