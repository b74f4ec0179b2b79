package scenarios

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestEveryKeyIsDocumented: every key of the scenario model — walked
// from Scenario's yaml tags, so a new key is in the list the day it is
// added — is in the manual: written out (`callers.retry.on`), in one of
// its YAML blocks, or in an inline one (`traffic: {replay: t, speed: 1}`).
// A key of a shape that repeats (upgrade.to is a sut, a class's retry is
// callers.retry) is documented once for all its places.
func TestEveryKeyIsDocumented(t *testing.T) {
	var model []string
	modelKeys(reflect.TypeOf(Scenario{}), "", map[reflect.Type]bool{}, &model)
	if len(model) < 200 {
		t.Fatalf("%d keys in the model: the walk lost its way", len(model))
	}
	documented := docKeys(t)
	var missing []string
	for _, k := range model {
		named := !strings.Contains(k, ".") && documented["`"+k+"`"] // a top-level key in prose
		if !documented[canonicalKey(k)] && !named {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d scenario keys are in no doc (docs/*.md, README.md, sut/README.md): %s", len(missing), strings.Join(missing, ", "))
	}
}

// modelKeys appends the dotted yaml keys of t under prefix: a struct's
// tagged fields, through pointers and slices (a list's items have their
// parent's path), each struct type once on a path.
func modelKeys(t reflect.Type, prefix string, onPath map[reflect.Type]bool, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || onPath[t] {
		return
	}
	onPath[t] = true
	defer delete(onPath, t)
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		switch {
		case !f.IsExported() || tag == "-":
		case tag == "" && f.Anonymous:
			modelKeys(f.Type, prefix, onPath, out)
		case tag != "":
			*out = append(*out, prefix+tag)
			modelKeys(f.Type, prefix+tag+".", onPath, out)
		}
	}
}

// keyAliases are the places where a shape repeats, and its first place.
var keyAliases = [][2]string{
	{"upgrade.to.", "sut."},
	{"callers.classes.retry.", "callers.retry."},
	{"callers.classes.", "callers."},
	{"api.upload.steps.body", "api.upload.body"},
}

// canonicalKey is k at the first place of its shape.
func canonicalKey(k string) string {
	for _, a := range keyAliases {
		if strings.HasPrefix(k, a[0]) {
			return a[1] + strings.TrimPrefix(k, a[0])
		}
	}
	return k
}

// inlineCode is a doc's `code`: a dotted key, or inline YAML.
var inlineCode = regexp.MustCompile("`([^`\n]+)`")

// docKeys are the keys the docs write: dotted in inline code, and every
// key path of their YAML blocks and inline YAML, canonical.
func docKeys(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, f := range append(files, "../README.md", "../sut/README.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, blk := range strings.Split(string(b), "```yaml\n")[1:] {
			y, _, _ := strings.Cut(blk, "```")
			yamlKeys([]byte(y), keys)
		}
		for _, m := range inlineCode.FindAllStringSubmatch(string(b), -1) {
			code := m[1]
			if strings.Contains(code, ": ") {
				yamlKeys([]byte(code), keys)
			}
			keys["`"+code+"`"] = true // a top-level key, named alone
			for _, w := range strings.FieldsFunc(code, func(r rune) bool { return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz_.", r) }) {
				if strings.Contains(w, ".") {
					keys[canonicalKey(strings.Trim(w, "."))] = true
				}
			}
		}
	}
	return keys
}

// yamlKeys adds the canonical key paths of the YAML src to keys; src
// that is not YAML adds nothing.
func yamlKeys(src []byte, keys map[string]bool) {
	var v any
	if yaml.Unmarshal(src, &v) != nil {
		return
	}
	var walk func(v any, prefix string)
	walk = func(v any, prefix string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				keys[canonicalKey(prefix+k)] = true
				walk(e, prefix+k+".")
			}
		case []any:
			for _, e := range x {
				walk(e, prefix)
			}
		}
	}
	walk(v, "")
}
