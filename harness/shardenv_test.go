package harness

import (
	"strings"
	"testing"
)

// A shard index may come from the environment: a Swarm task FROM scratch
// has no shell to expand --shard '$SHARD/3'.
func TestParseShardFromEnv(t *testing.T) {
	env := map[string]string{"SHARD": "2", "BAD": "x", "BIG": "3"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, c := range []struct {
		in, want, err string
	}{
		{in: "1/3", want: "1/3"},
		{in: "$SHARD/3", want: "2/3"},
		{in: "${SHARD}/3", want: "2/3"},
		{in: "$NOPE/3", err: "NOPE is not set"},
		{in: "$BAD/3", err: `got "$BAD/3" (BAD="x")`},
		{in: "$BIG/3", err: `got "$BIG/3" (BIG="3")`},
		{in: "3/3", err: `got "3/3"`},
	} {
		sh, err := parseShard(c.in, lookup)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one with %q", c.in, err, c.err)
		case c.err == "" && (err != nil || sh.Index != int(c.want[0]-'0') || sh.Count != int(c.want[2]-'0')):
			t.Errorf("%s: %+v %v, want %s", c.in, sh, err, c.want)
		}
	}
}
