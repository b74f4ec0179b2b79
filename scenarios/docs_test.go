package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPIDocScenariosParse: every YAML block of docs/scenarios-api.md is a
// scenario that loads as written, beside the CSV file it names.
func TestAPIDocScenariosParse(t *testing.T) {
	b, err := os.ReadFile("../docs/scenarios-api.md")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEAM_TOKEN", "doc")
	blocks := strings.Split(string(b), "```yaml\n")[1:]
	if len(blocks) < 5 {
		t.Fatalf("%d yaml blocks, want at least 5", len(blocks))
	}
	for i, blk := range blocks {
		y, _, ok := strings.Cut(blk, "```")
		if !ok {
			t.Fatalf("block %d is not closed", i)
		}
		if _, err := Parse(filepath.Join("..", "docs", "examples", "tenant-api", "doc.yaml"), []byte(y)); err != nil {
			t.Errorf("block %d:\n%v", i, err)
		}
	}
}

// TestArrivalsDocScenarioParses: the scenarios of docs/arrivals.md load as
// written, the first's count the steps' sum, the second's the callers of
// its callers.uploads.
func TestArrivalsDocScenarioParses(t *testing.T) {
	b, err := os.ReadFile("../docs/arrivals.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "```yaml\n")
	y, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/arrivals.md: no yaml block")
	}
	sc, err := Parse("arrivals.md", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Callers.Count != 6000+500+1000 || len(sc.AbortGates()) != 1 {
		t.Errorf("callers %d, abort gates %d", sc.Callers.Count, len(sc.AbortGates()))
	}
	// The second: callers that upload several times (callers.uploads).
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	y, _, ok = strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/arrivals.md: no second yaml block (callers.uploads)")
	}
	if sc, err = Parse("arrivals.md", []byte(y)); err != nil {
		t.Fatal(err)
	}
	if sc.Callers.Count != 172 || sc.Callers.TotalUploads() != 450 {
		t.Errorf("callers.uploads: %d callers making %d uploads, want 172 and 450", sc.Callers.Count, sc.Callers.TotalUploads())
	}
}

// TestEveryDocYAMLBlockParses: every YAML block of the README and the
// docs is a scenario, or a part of one, that loads as written — a part
// with a name added and, when it has none, a service at a URL and one
// caller — so what a user copies from the manual works.
func TestEveryDocYAMLBlockParses(t *testing.T) {
	files, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../README.md", "../sut/README.md")
	t.Setenv("TEAM_TOKEN", "doc")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, blk := range strings.Split(string(b), "```yaml\n")[1:] {
			y, _, ok := strings.Cut(blk, "```")
			if !ok {
				t.Fatalf("%s: yaml block %d is not closed", f, i+1)
			}
			if !strings.Contains(y, "\nname:") && !strings.HasPrefix(y, "name:") {
				y = "name: doc\n" + y
			}
			for key, part := range map[string]string{"sut": "{url: \"http://127.0.0.1:1\"}", "callers": "{count: 1}"} {
				if !strings.Contains(y, "\n"+key+":") && !strings.HasPrefix(y, key+":") {
					y += key + ": " + part + "\n"
				}
			}
			if _, err := Parse(filepath.Join("..", "docs", "examples", "tenant-api", "doc.yaml"), []byte(y)); err != nil {
				t.Errorf("%s, yaml block %d:\n%v", f, i+1, err)
			}
			n++
		}
	}
	if n < 15 {
		t.Fatalf("%d yaml blocks in the docs, want at least 15", n)
	}
}
