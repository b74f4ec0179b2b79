package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut/teamapi"
)

// restartPath asks the restartable service to go down and come back.
const restartPath = "/debug/restart"

// restartable serves h on a fixed address and, on POST restartPath, stops
// listening and listens again after down: a deploy that replaces the
// service, whose new version takes a while to listen.
type restartable struct {
	t    *testing.T
	addr string
	h    http.Handler
	down time.Duration

	mu  sync.Mutex
	srv *http.Server
	wg  sync.WaitGroup
}

func startRestartable(t *testing.T, h http.Handler, down time.Duration) *restartable {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &restartable{t: t, addr: ln.Addr().String(), h: h, down: down}
	r.serve(ln)
	t.Cleanup(func() {
		r.wg.Wait()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.srv.Close()
	})
	return r
}

func (r *restartable) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.Handle("/", r.h)
	mux.HandleFunc("POST "+restartPath, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		r.wg.Add(1)
		go r.restart()
	})
	srv := &http.Server{Handler: mux}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// restart closes the service and, after down (its new version's start-up),
// listens again on the same address.
func (r *restartable) restart() {
	defer r.wg.Done()
	r.mu.Lock()
	srv := r.srv
	r.mu.Unlock()
	// A graceful stop: the listener closes at once, the answers being
	// written (the restart's own 202) are finished.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
	time.Sleep(r.down) // the new version's start-up: what the service does, not what the test waits on
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Errorf("listen again on %s: %v", r.addr, err)
		return
	}
	r.serve(ln)
}

// TestDeployRestartHelper is the deploy script of TestDeployReturnsBeforeTheServiceListens
// (this test binary run again): it asks the service to restart and returns
// at once, as `docker compose up -d` does.
func TestDeployRestartHelper(t *testing.T) {
	target := os.Getenv("REHEARSE_TARGET")
	if os.Getenv("REHEARSE_RESTART_HELPER") != "1" || target == "" {
		t.Skip("run as an upgrade command only")
	}
	resp, err := http.Post(target+restartPath, "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("restart: %v %v", err, resp)
	}
	resp.Body.Close()
	fmt.Println("deployed v2 (starting)")
}

// writeScenario writes a scenario file and the executable scripts beside
// it (name -> body) into a new folder, and loads it as `rehearse run` does.
func writeScenario(t *testing.T, yaml string, scripts map[string]string) *scenarios.Scenario {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "rehearsal.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	scs, err := scenarios.Resolve(p)
	if err != nil {
		t.Fatal(err)
	}
	return scs[0]
}

// TestDeployReturnsBeforeTheServiceListens: a relative deploy script
// (scripts/deploy.sh, beside the scenario, run from elsewhere) replaces
// the service and returns before the new version listens. The cutover
// lasts until the service answers its ready path again, and only then is
// the data read back: every caller's data is read and nothing is missing
// (without the wait the read-back met a refused connection).
func TestDeployReturnsBeforeTheServiceListens(t *testing.T) {
	const down = 1500 * time.Millisecond
	svc := teamapi.New(teamapi.Config{JobDelay: 5 * time.Millisecond})
	srv := startRestartable(t, svc.Handler(), down)
	t.Setenv("REHEARSE_RESTART_HELPER", "1")
	sc := writeScenario(t, `name: ready
sut: {url: "http://`+srv.addr+`", health: /healthz}
api:
  upload:
    path: "/api/v3/batches?tenant={caller}"
    body: {format: multipart, fields: {tenant: "{caller}"}, part: {format: csv}, csv_header: "id,value", record: "{record.id},{record.payload}"}
  completion: body
  status: {path: "/api/v3/jobs/{upload.id}", id_field: job.id}
  status_field: data.state
  done: [finished]
  verify: {path: "/api/v3/tenants/{caller}/records", ids_field: "records[].id"}
callers: {count: 20, records: 10, timeout: 3s, retry: {attempts: 8, backoff: constant, base: 400ms, on: [conn, 5xx]}}
arrival: {profile: burst, window: 500ms}
upgrade: {at: 200ms, command: [scripts/deploy.sh], ready: {path: /healthz, timeout: 20s}}
data: {preload: {records: 5, rate: 200}, verify: after_upgrade, restorm: invalidated}
gates: ["missing_records == 0"]
`, map[string]string{"scripts/deploy.sh": "#!/bin/sh\nexec \"" + os.Args[0] + "\" -test.run='^TestDeployRestartHelper$'\n"})
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	c, d := r.Cutover, r.Data
	if c == nil || c.ExitCode == nil || *c.ExitCode != 0 || c.CommandS == nil {
		t.Fatalf("cutover %+v", c)
	}
	if got := c.EndS - c.StartS; got < down.Seconds() {
		t.Fatalf("the cutover ended %.2f s after it began, before the service (down %s) answered again", got, down)
	}
	if d == nil || d.PreloadedCallers != 20 || val(d.UnreadableCallers) != 0 || val(d.MissingRecords) != 0 || r.Verdict != "pass" {
		t.Fatalf("verdict %s data %+v", r.Verdict, d)
	}
	var said bool
	for _, e := range r.Events {
		said = said || strings.Contains(e.Detail, "the service answered")
	}
	if !said {
		t.Fatalf("no event says when the service answered: %+v", r.Events)
	}
}

// TestResetRunsBeforeEveryRun: sut.reset.command (relative to the
// scenario) runs before each run, its output in logs/sut-reset.log; a
// reset that fails fails the run with its last lines and a hint to the
// whole log.
func TestResetRunsBeforeEveryRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	body := `name: reset
sut: {url: "` + srv.URL + `", reset: {command: [./reset.sh, "%s"]}}
api: {completion: none}
callers: {count: 2, records: 1}
arrival: {profile: burst, window: 100ms}
`
	sc := writeScenario(t, fmt.Sprintf(body, "ok"), map[string]string{"reset.sh": `#!/bin/sh
cd "$(dirname "$0")"
echo "reset of $REHEARSE_TARGET" >> resets.txt
echo "truncating tables"
if [ "$1" = fail ]; then echo "error: database is locked" >&2; exit 4; fi
`})
	for i := range 2 {
		res, err := Run(t.Context(), sc, Options{Out: t.TempDir()})
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		log, err := os.ReadFile(filepath.Join(res.Dir, "logs", resetLog))
		if err != nil || !strings.Contains(string(log), "truncating tables") {
			t.Fatalf("reset log: %v %q", err, log)
		}
	}
	resets, err := os.ReadFile(filepath.Join(sc.Dir(), "resets.txt"))
	if err != nil || strings.Count(string(resets), "reset of "+srv.URL) != 2 {
		t.Fatalf("want 2 resets, one before each run: %v %q", err, resets)
	}
	failing := *sc
	failing.SUT.Reset = &scenarios.Reset{Command: []string{"./reset.sh", "fail"}, Timeout: sc.SUT.Reset.Timeout}
	_, err = Run(t.Context(), &failing, Options{Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "exited with 4") || !strings.Contains(err.Error(), "error: database is locked") {
		t.Fatalf("a failing reset: %v", err)
	}
	if code, _ := errext.Code(err); code != errext.Environment || len(errext.Hints(err)) == 0 || !errors.Is(err, err) {
		t.Fatalf("code %v hints %q", code, errext.Hints(err))
	}
}
