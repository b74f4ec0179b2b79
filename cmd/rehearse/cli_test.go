package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestCommandLineErrorsAreUsage: cobra's own errors about the command line
// are exit 2 through its hooks, whatever their wording, and each prints its
// message once with the usage as a hint on its own line.
func TestCommandLineErrorsAreUsage(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"flag error":      {[]string{"run", "--seed", "abc", "smoke"}, []string{"run: invalid argument", "hint: usage: rehearse run"}},
		"unknown flag":    {[]string{"list", "--nosuchflag"}, []string{"list: unknown flag: --nosuchflag"}},
		"unknown command": {[]string{"nosuchcommand"}, []string{`unknown command "nosuchcommand"`, "hint: see `rehearse --help`"}},
		"suggestion":      {[]string{"rnu"}, []string{"hint: did you mean run?"}},
		"too few args":    {[]string{"compare", "a"}, []string{"compare: accepts 2 arg(s), received 1", "hint: usage: rehearse compare"}},
		"too many args":   {[]string{"attack", "--target", "http://127.0.0.1:1", "a", "b"}, []string{"attack: accepts 1 arg(s)"}},
		"no args":         {[]string{"validate"}, []string{"validate: requires at least 1 arg(s)"}},
		"args to list":    {[]string{"list", "extra"}, []string{"list:"}},
		"bad --progress":  {[]string{"run", "--progress", "fancy", "smoke"}, []string{"--progress must be"}},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code != exitUsage {
			t.Errorf("%s %v: exit %d, want %d; stderr:\n%s", name, tc.args, code, exitUsage, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s %v: stderr lacks %q:\n%s", name, tc.args, w, stderr)
			}
		}
		if n := strings.Count(stderr, "rehearse: "); n != 1 {
			t.Errorf("%s %v: the error is printed %d times:\n%s", name, tc.args, n, stderr)
		}
	}
}

// TestMalformedTarget: a --target that cannot be a base URL is exit 2 and
// says exactly what is malformed, before anything about it is printed.
func TestMalformedTarget(t *testing.T) {
	for target, reason := range map[string]string{
		"localhost:8080":            "has no scheme (write http://localhost:8080)",
		"127.0.0.1:8080":            "has no scheme",
		"ftp://127.0.0.1":           `has scheme "ftp", not http or https`,
		"http://":                   "has no host",
		"http://127.0.0.1:abc":      `invalid port ":abc" after host`,
		"http://127.0.0.1:99999":    "has port 99999, not in 1-65535",
		"http://127.0.0.1:0":        "has port 0, not in 1-65535",
		"http://[::1":               "missing ']' in host",
		"http://127.0.0.1:8080?a=1": "has a query (?a=1)",
		"http://127.0.0.1:8080/#x":  "has a fragment (#x)",
		"":                          "is empty",
	} {
		code, _, stderr := cli(t, "attack", "--target", target, "--out", t.TempDir(), "smoke")
		if target == "" {
			// An empty --target is the missing flag.
			if code != exitUsage || !strings.Contains(stderr, "--target URL is required") {
				t.Errorf("empty --target: exit %d, stderr %q", code, stderr)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(stderr, fmt.Sprintf("malformed --target %q: %s", target, reason)) {
			t.Errorf("--target %q: exit %d, want 2 and %q; stderr:\n%s", target, code, reason, stderr)
		}
		if strings.Contains(stderr, "starting") || strings.Contains(stderr, "run id") {
			t.Errorf("--target %q: printed before the target was refused:\n%s", target, stderr)
		}
	}
}

// TestRemoteTargetRefusedBeforeStarting: the refusal comes before any line
// that names the target ("starting (target …)").
func TestRemoteTargetRefusedBeforeStarting(t *testing.T) {
	code, _, stderr := cli(t, "attack", "--target", "http://10.1.2.3:80", "--out", t.TempDir(), "smoke")
	if code != exitUsage || !strings.Contains(stderr, "--allow-remote") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stderr, "starting") || strings.Contains(stderr, "run id") {
		t.Fatalf("the target was named before it was refused:\n%s", stderr)
	}
}

// TestScenarioURLCheckedBeforeStarting: a scenario's own sut.url is held to
// the same rules as --target, before its run starts.
func TestScenarioURLCheckedBeforeStarting(t *testing.T) {
	sc := writeScenario(t, "name: remote\nsut: {url: http://10.1.2.3:80}\ncallers: {count: 5, records: 1}\n")
	code, _, stderr := cli(t, "run", "--out", t.TempDir(), "--progress", "none", sc)
	if code != exitUsage || !strings.Contains(stderr, "--allow-remote") || strings.Contains(stderr, "starting") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestTargetDNSFailureKeepsResolverWords: an unknown host name is reported
// with the resolver's own error, not a paraphrase.
func TestTargetDNSFailureKeepsResolverWords(t *testing.T) {
	const host = "rehearse-no-such-host.invalid"
	_, lookupErr := net.DefaultResolver.LookupIPAddr(context.Background(), host)
	if lookupErr == nil {
		t.Skip(host + " resolves here")
	}
	code, _, stderr := cli(t, "attack", "--target", "http://"+host+":8080", "--out", t.TempDir(), "smoke")
	if code != exitEnv || !strings.Contains(stderr, lookupErr.Error()) {
		t.Fatalf("exit %d, want 3 and the resolver's %q; stderr:\n%s", code, lookupErr, stderr)
	}
	if strings.Contains(stderr, "starting") {
		t.Fatalf("the target was named before it was refused:\n%s", stderr)
	}
}

// TestExitCodeMapping: the sentinels of harness and scenarios map to the
// codes the README documents, wrapped or not, and a code carried by the error
// wins over them.
func TestExitCodeMapping(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("run smoke: %w", err) }
	for err, want := range map[error]int{
		nil:                                     exitOK,
		wrap(harness.ErrInterrupted):            exitInterrupted,
		wrap(context.Canceled):                  exitInterrupted,
		wrap(scenarios.ErrInvalid):              exitUsage,
		wrap(harness.ErrRemoteTarget):           exitUsage,
		wrap(harness.ErrUnreachable):            exitEnv,
		wrap(harness.ErrDockerUnavailable):      exitEnv,
		errors.New("something unforeseen"):      exitEnv,
		errext.WithExitCodeIfNone(errSilent, 1): exitFail,
		errext.WithExitCodeIfNone(wrap(harness.ErrUnreachable), errext.Usage): exitUsage,
	} {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, stderr := cli(t, args...)
		if code != 0 || !strings.HasPrefix(out, "rehearse "+version+"\ngo1.") || !strings.Contains(out, "/") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
	}
}

func TestHelpTexts(t *testing.T) {
	_, out, _ := cli(t, "run", "--help")
	if strings.Contains(out, "results merge") || !strings.Contains(out, "--shard") {
		t.Errorf("run --help promises merging or lacks --shard:\n%s", out)
	}
	_, out, _ = cli(t, "sweep", "--help")
	if !strings.Contains(out, "--images") {
		t.Errorf("sweep --help lacks --images:\n%s", out)
	}
}

// TestValidateWarnings: a gate on a variable that will not be measured is a
// warning on stderr; the exit code stays 0 and stdout stays "ok".
func TestValidateWarnings(t *testing.T) {
	p := writeScenario(t, "name: unwatched\nsut: {url: http://127.0.0.1:1}\ncallers: {count: 5, records: 1}\ngates: [\"crashes == 0\", \"timeouts == 0\"]\n")
	code, out, stderr := cli(t, "validate", p)
	if code != 0 || !strings.HasPrefix(out, "ok  unwatched") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if n := strings.Count(stderr, "warning: unwatched: "); n != 1 || !strings.Contains(stderr, "crashes") {
		t.Fatalf("want one warning about crashes, got:\n%s", stderr)
	}
	// --target replaces the SUT: the same warning applies to a reference scenario.
	sc := writeScenario(t, "name: ref\nsut: {reference: {mode: sync}}\ncallers: {count: 5, records: 1}\ngates: [\"crashes == 0\"]\n")
	loaded, err := loadScenarios([]string{sc}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(asRun(loaded[0], "", nil).Warnings()) != 0 || len(asRun(loaded[0], "http://127.0.0.1:1", nil).Warnings()) != 1 {
		t.Fatal("asRun does not put the target in place of the SUT")
	}
	// attack --watch measures the target's crashes: no warning.
	if w := asRun(loaded[0], "http://127.0.0.1:1", &scenarios.Watch{Names: []string{"api-1"}}).Warnings(); len(w) != 0 {
		t.Fatalf("attack --watch: warnings %q", w)
	}
	// Nor for a sut.url with sut.watch, in validate.
	watched := writeScenario(t, "name: watched\nsut: {url: http://127.0.0.1:1, watch: {label: com.docker.compose.project=shop}}\ncallers: {count: 5, records: 1}\ngates: [\"crashes == 0\"]\n")
	if code, out, stderr := cli(t, "validate", watched); code != 0 || !strings.HasPrefix(out, "ok  watched") || stderr != "" {
		t.Fatalf("validate of a watched sut.url: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
