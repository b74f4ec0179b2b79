package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// gone is a pipe whose reader has left: every write fails as a closed
// stdout's does.
type gone struct{ writes int }

func (g *gone) Write([]byte) (int, error) { g.writes++; return 0, syscall.EPIPE }

// pipeRun makes a run whose gate fails (exit 1) and returns its folder.
func pipeRun(t *testing.T) (string, string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = drain(r) }))
	t.Cleanup(srv.Close)
	sc := writeScenario(t, "name: piped\nsut: {url: "+srv.URL+"}\ncallers: {count: 10, records: 2, timeout: 2s}\n"+
		"arrival: {profile: burst, window: 100ms}\ngates: [\"timeouts > 0\"]\n")
	out := t.TempDir()
	if code, _, stderr := cli(t, "attack", "--target", srv.URL, "--out", out, "--progress", "none", sc); code != exitFail {
		t.Fatalf("attack: exit %d, want 1: %s", code, stderr)
	}
	return filepath.Join(out, "piped"), sc
}

// Every command that prints a report ends with its verdict's exit code
// when nobody reads its output any more, and says nothing of the pipe.
func TestClosedPipesEndQuietly(t *testing.T) {
	run, _ := pipeRun(t)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"compare", run, filepath.Join(run, "report.json")}, exitOK},
		{[]string{"compare", "--format", "json", run, run}, exitOK},
		{[]string{"report", "--format", "table", run}, exitOK},
		{[]string{"report", "--format", "md", run}, exitOK},
		{[]string{"report", "--format", "html", run}, exitOK},
		{[]string{"report", "--format", "junit", run}, exitOK},
		{[]string{"report", "--format", "vegeta-json", run}, exitOK},
		{[]string{"list"}, exitOK},
		{[]string{"validate", filepath.Join(run, "nosuch.yaml")}, exitUsage}, // an error still has its code
	} {
		stdout, stderr := &gone{}, &gone{}
		code := newApp(newQuietPipe(stdout), newQuietPipe(stderr)).execute(context.Background(), tc.args)
		if code != tc.want || stdout.writes+stderr.writes > 2 {
			t.Errorf("%v: exit %d after %d+%d writes, want %d after at most one each", tc.args, code, stdout.writes, stderr.writes, tc.want)
		}
	}
}

// The built binary, its stdout a real pipe whose reader closed (what
// `rehearse compare a b | head -0` does): the verdict's exit code, nothing
// on stderr; a run whose gate failed still exits 1 with both pipes closed.
func TestClosedPipeProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	run, sc := pipeRun(t)
	bin := buildCLI(t)
	closed := func() *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		t.Cleanup(func() { w.Close() })
		return w
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = drain(r) }))
	defer srv.Close()
	for _, tc := range []struct {
		args       []string
		bothClosed bool
		want       int
	}{
		{[]string{"compare", run, run}, false, exitOK},
		{[]string{"report", "--format", "md", run}, false, exitOK},
		{[]string{"attack", "--target", srv.URL, "--out", t.TempDir(), "--progress", "plain", sc}, true, exitFail},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Stdout = closed()
		errFile := filepath.Join(t.TempDir(), "stderr")
		f, err := os.Create(errFile)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = f
		if tc.bothClosed {
			cmd.Stderr = closed()
		}
		err = cmd.Run()
		f.Close()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		stderr, _ := os.ReadFile(errFile)
		if code != tc.want || len(stderr) != 0 && !tc.bothClosed {
			t.Errorf("%v: exit %d, stderr %q; want %d and nothing", tc.args[:2], code, stderr, tc.want)
		}
	}
}
