package scenarios

import (
	"os"
	"strings"
	"testing"
)

// The README's scenario for your own service is valid as written, so the
// first thing a user copies works.
func TestReadmeScenarioParses(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "## Writing a scenario for your own service")
	_, rest, ok2 := strings.Cut(rest, "```yaml\n")
	y, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README: no yaml block under \"Writing a scenario for your own service\"")
	}
	t.Setenv("TEAM_TOKEN", "readme")
	sc, err := Parse("README.md", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(sc.Callers.ClassPlans()); got != 2 {
		t.Fatalf("%d classes, want 2", got)
	}
}
