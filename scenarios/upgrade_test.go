package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The upgrade, watch and data blocks: valid forms parse,
// and each mistake is reported at its line.
func TestUpgradeWatchDataBlocks(t *testing.T) {
	ok := `name: d
sut: {url: "http://127.0.0.1:9000", watch: {label: "com.docker.compose.project=shop", health: /healthz}}
api: {verify: {path: "/v1/callers/{caller}/records", ids_field: "records[].id"}}
upgrade: {at: 5s, command: ["./deploy.sh", "v2"]}
data: {preload: {records: 100}, verify: after_upgrade, restorm: invalidated}
callers: {count: 10}
`
	sc, err := Parse("d.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Upgrade.Deploys() || sc.Upgrade.Timeout.D() != DefaultUpgradeTimeout || sc.Upgrade.Strategy != "" ||
		sc.Data.Preload.Rate != DefaultPreloadRate || sc.SUT.Watch.Label == "" {
		t.Fatalf("parsed %+v %+v %+v", sc.Upgrade, sc.Data, sc.SUT.Watch)
	}
	bad := `name: d
sut: {reference: {mode: sync}, watch: {}}
upgrade: {at: 5s, command: ["./deploy.sh"], shell: "x", strategy: rolling}
data: {verify: after_upgrade, restorm: all}
`
	_, err = Parse("d.yaml", []byte(bad))
	for _, want := range []string{
		"d.yaml:2:", "sut.watch: watches containers you started, with sut.url",
		"sut.watch: needs exactly one of label",
		"d.yaml:3:", "upgrade: needs exactly one of to (a new SUT), command",
		"upgrade.strategy: applies to an upgrade with to",
		"data.verify: needs data.preload", "data.verify: needs api.verify",
		`data.restorm: must be invalidated (or left out: every caller storms), got "all"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
}

// A deploy or reset program is the file beside the scenario (a relative
// path with a slash) or a name on $PATH; validate says, at the key, when
// it cannot be run. upgrade.ready and sut.reset take their defaults.
func TestProgramsResolveAgainstTheScenario(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("stack.sh", 0o755, "#!/bin/sh\n")
	write("plain.sh", 0o644, "#!/bin/sh\n")
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("scripts/deploy.sh", 0o755, "#!/bin/sh\n")
	ok := write("ok.yaml", 0o644, `name: d
sut: {url: "http://127.0.0.1:9000", health: /ready, reset: {command: [scripts/deploy.sh, reset]}}
upgrade: {at: 1s, command: [./stack.sh, deploy, v2], ready: {path: /healthz}}
callers: {count: 1}
`)
	sc, err := loadOne(t, ok)
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Program("./stack.sh"); got != filepath.Join(dir, "stack.sh") {
		t.Fatalf("./stack.sh resolved to %s", got)
	}
	if sc.Program("docker") != "docker" || sc.Upgrade.Ready.Timeout.D() != DefaultReadyTimeout || sc.SUT.Reset.Timeout.D() != DefaultUpgradeTimeout {
		t.Fatalf("bare name %s, ready %+v, reset %+v", sc.Program("docker"), sc.Upgrade.Ready, sc.SUT.Reset)
	}
	bad := write("bad.yaml", 0o644, `name: d
sut:
  url: "http://127.0.0.1:9000"
  reset: {command: [no-such-program-rehearse]}
upgrade:
  at: 1s
  command: [./missing.sh]
  ready: {path: healthz, timeout: -1s}
callers: {count: 1}
`)
	_, err = loadOne(t, bad)
	for _, want := range []string{
		"bad.yaml:4:21: sut.reset.command[0]: cannot run no-such-program-rehearse: executable file not found in $PATH",
		"bad.yaml:7:13: upgrade.command[0]: cannot run ./missing.sh (" + filepath.Join(dir, "missing.sh") + "): no such file or directory",
		`upgrade.ready.path: must be a path starting with /, got "healthz"`,
		"upgrade.ready.timeout: must be > 0",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
	plain := write("plain.yaml", 0o644, "name: d\nsut: {url: \"http://127.0.0.1:9000\"}\nupgrade: {at: 1s, command: [./plain.sh]}\ncallers: {count: 1}\n")
	if _, err := loadOne(t, plain); err == nil || !strings.Contains(err.Error(), "plain.yaml:3:") || !strings.Contains(err.Error(), "not executable (chmod +x ./plain.sh)") {
		t.Errorf("a script without x: %v", err)
	}
	other := write("other.yaml", 0o644, `name: d
sut: {reference: {mode: sync}, health: /x, reset: {command: [./stack.sh]}}
callers: {count: 1}
`)
	if _, err := loadOne(t, other); err == nil || !strings.Contains(err.Error(), "sut.health: applies to sut.url") || !strings.Contains(err.Error(), "sut.reset: applies to a service you started") {
		t.Errorf("reset and health of a reference SUT: %v", err)
	}
}

// sut.image's sandbox keys: defaults, and every mistake at its key.
func TestImageSandboxKeys(t *testing.T) {
	sc, err := Parse("s.yaml", []byte("name: s\nsut: {image: {name: app, writable: [/data, /var/lib/app], user: \"1000:1000\"}}\ncallers: {count: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if im := sc.SUT.Image; im.TmpfsMB != DefaultTmpfsMB || len(im.Writable) != 2 || im.User != "1000:1000" {
		t.Fatalf("image %+v", im)
	}
	_, err = Parse("s.yaml", []byte("name: s\nsut: {image: {name: app, writable: [data, /tmp, /, /x, /x/], tmpfs_mb: -1, user: \"a b\"}}\ncallers: {count: 1}\n"))
	for _, want := range []string{
		`sut.image.writable[0]: must be an absolute path`, "sut.image.writable[1]: /tmp is already writable",
		"sut.image.writable[2]: cannot be /", "sut.image.writable[4]: /x is named twice",
		"sut.image.tmpfs_mb: must be 1..65536 MiB, got -1", `sut.image.user: must be a user or uid`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
}

// loadOne loads the scenario file p as rehearse validate does.
func loadOne(t *testing.T, p string) (*Scenario, error) {
	t.Helper()
	scs, err := load(p)
	if len(scs) == 1 {
		return scs[0], err
	}
	return nil, err
}
