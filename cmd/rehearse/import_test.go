package main

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"

	"github.com/rehearse-dev/rehearse/traffic"
)

// accessLog writes an nginx log (combined + $request_length
// $request_time, gzip'd) of 3 callers' 30 uploads over 29 s, one health
// check and one line that does not parse.
func accessLog(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "access.log.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	start := time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)
	for i := range 30 {
		at := start.Add(time.Duration(i) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
		fmt.Fprintf(zw, `10.0.0.%d - - [%s] "POST /v1/callers/acme-%d/records?token=s3cret HTTP/1.1" 201 57 "-" "erp/1.0" %d 0.000`+"\n",
			i%3, at, i%3, 1000*(i+1))
		if i == 10 {
			fmt.Fprintf(zw, `10.0.0.9 - - [%s] "GET /healthz HTTP/1.1" 200 2 "-" "probe" 80 0.000`+"\n", at)
			fmt.Fprintln(zw, "garbage")
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// import writes a trace and a scenario that validates and names it;
// nothing of the query string gets in.
func TestImportCommand(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := cli(t, "import", "--format", "nginx", "--max-bad", "5%", "--out", out, accessLog(t))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"callers   3\n", "uploads   30 (POST 30)", "1 bad lines", "access.log.gz:13: ", "1 lines without a caller",
		"median 15.0 KB, p99 30.0 KB", "peak      1 uploads in one second", "wrote     " + filepath.Join(out, "access.trace.jsonl.gz")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	tr, err := traffic.Open(filepath.Join(out, "access"+traffic.Ext))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Callers()) != 3 || tr.Callers()[0].Name != "acme-0" || tr.Callers()[0].Uploads[1].Bytes != 4000 ||
		tr.Callers()[0].Uploads[1].Offset != 3*time.Second || tr.Callers()[0].Uploads[1].Path != "/v1/callers/{caller}/records" {
		t.Fatalf("trace: %+v", tr.Callers()[0])
	}
	scen := filepath.Join(out, "access.yaml")
	if code, o, e := cli(t, "validate", scen); code != exitOK {
		t.Fatalf("validate: %d %s %s", code, o, e)
	}
	text, _ := os.ReadFile(scen)
	if !strings.Contains(string(text), "replay: \"access.trace.jsonl.gz\"\n  speed: 1\n") {
		t.Fatalf("scenario:\n%s", text)
	}
}

// --fit writes a model and no trace.
func TestImportFit(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := cli(t, "import", "--fit", "--max-bad", "5%", "--out", out, "--name", "shop", accessLog(t))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "shop"+traffic.Ext)); !os.IsNotExist(err) {
		t.Fatalf("--fit wrote a trace: %v", err)
	}
	text, err := os.ReadFile(filepath.Join(out, "shop-fit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"count: 3\n", "records: {median: 75, p99: 150, max: 150}", "- {callers: 3, uploads: 10}", "profile: steps", "- {uploads: 30, window: 30s}"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("fitted scenario lacks %q:\n%s", want, text)
		}
	}
	if _, err := scenarios.Parse("shop-fit.yaml", text); err != nil {
		t.Errorf("the fitted scenario does not load: %v", err)
	}
	if !strings.Contains(stdout, "close to  peak 1/s (log 1/s, +0.0%)") {
		t.Errorf("the import does not say how close the fit came:\n%s", stdout)
	}
}

// Mistakes exit 2 with their advice, and leave no file behind.
func TestImportErrors(t *testing.T) {
	log := accessLog(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "apache"}, `unknown log format "apache"`},
		{[]string{"--max-bad", "5%", "--caller", "path:^/api/([^/]+)"}, "hint: try --caller ip"},
		{[]string{}, "more than --max-bad 1%"},
		{[]string{"--max-bad", "5%", "--since", "2030-01-01"}, "nothing to replay"},
		{[]string{"--caller", "header:X-Tenant"}, "logs only the User-Agent and Referer"},
	} {
		out := t.TempDir()
		code, _, stderr := cli(t, append(append([]string{"import", "--out", out}, tc.args...), log)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, stderr, tc.want)
		}
		if files, _ := os.ReadDir(out); len(files) != 0 {
			t.Errorf("%v: left %v behind", tc.args, files)
		}
	}
}

// realLog is a log a real nginx wrote (traffic/testdata/nginx/make.sh):
// 12 uploads of 3 callers, two of them retries.
func realLog(name string) string {
	return filepath.Join("..", "..", "traffic", "testdata", "nginx", name)
}

// The summary names the field sizes came from; a log without sizes is
// refused with one sentence and a hint, and imported with --assume-size,
// saying that every report of its replay will note it.
func TestImportSizes(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := cli(t, "import", "--format", "nginx-json", "--out", out, realLog("json.log"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"from content_length (the request body) for 12 uploads\n",
		"retries   2 uploads look like retries of a failed one (same caller, method, path and size"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = cli(t, "import", "--out", out, realLog("combined.log"))
	if code != exitUsage || !strings.Contains(stderr, "rehearse: the log records no request size for any of its 12 uploads (nginx's combined format has none") ||
		!strings.Contains(stderr, "hint: choose the replay's sizes with --assume-size 20KB") {
		t.Fatalf("combined without a size: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "combined*")); len(files) != 0 {
		t.Fatalf("a refused import left %v", files)
	}
	code, stdout, stderr = cli(t, "import", "--assume-size", "20KB", "--out", out, realLog("combined.log"))
	if code != exitOK || !strings.Contains(stdout, "sizes     not logged: every upload replays at 20.0 KB (--assume-size); every report of the replay says so") ||
		!strings.Contains(stdout, "12 uploads without a logged size were not looked at") {
		t.Fatalf("--assume-size: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, args := range [][]string{{"--assume-size", "lots"}, {"--assume-size", "0"}, {"--size-from", "body_bytes_sent"},
		{"--format", "jsonl", "--size-from", "a", "--map", "bytes=b"}} {
		code, _, stderr = cli(t, append(append([]string{"import", "--out", t.TempDir()}, args...), realLog("sized.log"))...)
		first, _, _ := strings.Cut(stderr, "\n")
		if code != exitUsage || !strings.HasPrefix(first, "rehearse: ") || !strings.Contains(first, args[len(args)-2]) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a sentence naming %s", args, code, stderr, args[len(args)-2])
		}
	}
}

// An import never overwrites an earlier one's files without --force: one
// sentence names the file and the flag, and the first trace is intact.
func TestImportRefusesToOverwrite(t *testing.T) {
	out := t.TempDir()
	if code, o, e := cli(t, "import", "--out", out, realLog("sized.log")); code != exitOK {
		t.Fatalf("first import: %d\n%s\n%s", code, o, e)
	}
	trace := filepath.Join(out, "sized"+traffic.Ext)
	before, _ := os.ReadFile(trace)
	code, stdout, stderr := cli(t, "import", "--out", out, "--format", "nginx-json", "--name", "sized", realLog("json.log"))
	want := "rehearse: " + trace + " exists: pass --force to overwrite it, or --name to write another\n"
	if code != exitUsage || stderr != want || stdout != "" {
		t.Fatalf("second import: exit %d\nstdout %q\nstderr %q\nwant 2 and %q", code, stdout, stderr, want)
	}
	if after, _ := os.ReadFile(trace); string(after) != string(before) {
		t.Fatal("the refused import changed the trace")
	}
	if code, _, stderr := cli(t, "import", "--out", out, "--fit", realLog("sized.log")); code != exitOK {
		t.Fatalf("--fit beside a trace of that name: %d %s", code, stderr) // sized-fit.yaml is another file
	}
	if code, _, stderr := cli(t, "import", "--out", out, "--fit", realLog("sized.log")); code != exitUsage || !strings.Contains(stderr, "sized-fit.yaml exists: pass --force") {
		t.Fatalf("second --fit: %d %s", code, stderr)
	}
	code, stdout, stderr = cli(t, "import", "--out", out, "--force", "--format", "nginx-json", "--name", "sized", realLog("json.log"))
	if code != exitOK {
		t.Fatalf("--force: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if tr, err := traffic.Open(trace); err != nil || tr.Header().Format != traffic.FormatNginxJSON {
		t.Fatalf("after --force the trace is not the new one: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".*.tmp")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
