package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// builtinFS holds the scenarios that ship inside the binary, so `rehearse run
// smoke` works without any file on disk.
//
//go:embed builtin/*.yaml seed/*.yaml
var builtinFS embed.FS

// Builtin describes an embedded scenario.
type Builtin struct {
	Name        string
	Description string
	Suite       string // "" or the suite it belongs to (e.g. "seed")
}

// Builtins lists the embedded scenarios, suites last. A built-in that does
// not parse is left out; tests prove every one parses.
func Builtins() []Builtin {
	var out []Builtin
	for _, dir := range []string{"builtin", "seed"} {
		entries, _ := fs.ReadDir(builtinFS, dir)
		for _, e := range entries {
			src, _ := builtinFS.ReadFile(dir + "/" + e.Name())
			sc, err := Parse("builtin:"+dir+"/"+e.Name(), src)
			if err != nil {
				continue // tests prove every built-in parses
			}
			b := Builtin{Name: sc.Name, Description: sc.Description}
			if dir != "builtin" {
				b.Suite = dir
			}
			out = append(out, b)
		}
	}
	return out
}

// Resolve turns a CLI argument into scenarios: a YAML file, a folder of
// them, a built-in scenario name, or a built-in suite name ("seed"). A path
// on disk wins over a built-in of the same name; an argument that is none
// of these is an error matching ErrInvalid that lists the built-ins.
func Resolve(arg string) ([]*Scenario, error) {
	if _, err := os.Stat(arg); err == nil {
		return load(arg)
	}
	if entries, err := fs.ReadDir(builtinFS, arg); err == nil && arg != "builtin" {
		var out []*Scenario
		for _, e := range entries {
			sc, err := parseEmbedded(arg + "/" + e.Name())
			if err != nil {
				return nil, err
			}
			out = append(out, sc)
		}
		return out, nil
	}
	for _, dir := range []string{"builtin", "seed"} {
		for _, ext := range []string{".yaml", ".yml"} {
			if _, err := fs.Stat(builtinFS, dir+"/"+arg+ext); err == nil {
				sc, err := parseEmbedded(dir + "/" + arg + ext)
				if err != nil {
					return nil, err
				}
				return []*Scenario{sc}, nil
			}
		}
	}
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
	}
	return nil, fmt.Errorf("%w: %q is neither a file, a folder nor a built-in scenario (built-ins: seed, %s)", ErrInvalid, arg, strings.Join(names, ", "))
}

// parseEmbedded parses the built-in at path, naming it "builtin:<path>" in
// errors so a user can tell it from a file of theirs.
func parseEmbedded(path string) (*Scenario, error) {
	src, err := builtinFS.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse("builtin:"+path, src)
}
