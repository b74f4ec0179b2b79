package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const trafficBase = `name: replay
sut:
  url: http://127.0.0.1:9
callers:
  count: 3
  records: 10
`

// traffic: {replay, speed}: the file is found relative to the scenario,
// speed defaults to 1, and mistakes are reported at their key.
func TestTraffic(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "traces"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "traces", "a.trace.jsonl.gz"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "replay.yaml")
	sc, err := Parse(file, []byte(trafficBase+"traffic:\n  replay: traces/a.trace.jsonl.gz\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Traffic.Speed != DefaultSpeed || sc.ReplayPath() != filepath.Join(dir, "traces", "a.trace.jsonl.gz") {
		t.Fatalf("speed %g path %s", sc.Traffic.Speed, sc.ReplayPath())
	}
	if sc, err := Parse(file, []byte(trafficBase)); err != nil || sc.ReplayPath() != "" {
		t.Fatalf("no traffic: %v %q", err, sc.ReplayPath())
	}
	for _, tc := range []struct {
		yaml, want string
	}{
		{"traffic:\n  replay: traces/a.trace.jsonl.gz\n  speed: -2\n", "traffic.speed: must be > 0"},
		{"traffic:\n  replay: nope.trace.jsonl.gz\n", "traffic.replay: no trace at " + filepath.Join(dir, "nope.trace.jsonl.gz")},
		{"traffic:\n  replay: traces\n", "is a folder"},
		{"traffic:\n  speed: 2\n", "traffic.replay: required"},
		{"traffic:\n  replay: traces/a.trace.jsonl.gz\n  sped: 2\n", `unknown key; did you mean "speed"?`},
		{"traffic:\n  replay: traces/a.trace.jsonl.gz\n  speed: fast\n", "want a number"},
	} {
		_, err := Parse(file, []byte(trafficBase+tc.yaml))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
