package scenarios

import (
	"os"
	"strings"
	"testing"
)

// The scenario for your own service is valid as written, in the README
// (short) and in docs/scenarios.md (whole, with two classes), so the
// first thing a user copies works.
func TestReadmeScenarioParses(t *testing.T) {
	for _, c := range []struct {
		file, heading string
		classes       int
	}{
		{"../README.md", "## Writing a scenario for your own service", 1},
		{"../docs/scenarios.md", "# Writing a scenario for your own service", 2},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(string(b), c.heading)
		_, rest, ok2 := strings.Cut(rest, "```yaml\n")
		y, _, ok3 := strings.Cut(rest, "```")
		if !ok || !ok2 || !ok3 {
			t.Fatalf("%s: no yaml block under %q", c.file, c.heading)
		}
		t.Setenv("TEAM_TOKEN", "readme")
		sc, err := Parse(c.file, []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(sc.Callers.ClassPlans()); got != c.classes {
			t.Fatalf("%s: %d classes, want %d", c.file, got, c.classes)
		}
	}
}
