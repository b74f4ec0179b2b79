package scenarios

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// decodeJSON decodes doc as the storm does, numbers kept as written.
func decodeJSON(t testing.TB, doc string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseFieldPath(t *testing.T) {
	for _, s := range []string{"status", "job.id", "data.state", "records[].id", "[].id", "[]", "ids[]", "a[][].b", "a-b.$x.über"} {
		p, err := ParseFieldPath(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if p.String() != s {
			t.Errorf("%q reads back as %q", s, p.String())
		}
		if p.IsList() != strings.Contains(s, "[]") {
			t.Errorf("%q: IsList %v", s, p.IsList())
		}
	}
	for s, want := range map[string]string{
		"":              "empty field path",
		".id":           "a name is missing around a dot",
		"job.":          "a name is missing around a dot",
		"job..id":       "a name is missing around a dot",
		"records[0].id": `only [] (every element) may follow a name, got [0]`,
		"records[":      "only [] (every element) may follow a name",
		"a[]b":          "only [] (every element) may follow a name",
		"a.[]":          "a name is missing around a dot",
		"a]":            `may not hold "]"`,
		"job. id":       `may not hold " "`,
	} {
		if _, err := ParseFieldPath(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", s, err, want)
		}
	}
}

func TestFieldPathValue(t *testing.T) {
	doc := decodeJSON(t, `{"status":"done","job":{"id":12345678901234567890,"ok":true,"f":1.50},
		"data":{"state":null,"obj":{},"list":[1]},"records":[{"id":"a"},{"id":7},{"x":1},{"id":null},{"id":"b"}]}`)
	cases := []struct {
		path, want string
		ok         bool
	}{
		{"status", "done", true},
		{"job.id", "12345678901234567890", true},
		{"job.ok", "true", true},
		{"job.f", "1.50", true},
		{"job.missing", "", false},
		{"data.state", "", false},
		{"data.obj", "", false},
		{"data.list", "", false},
		{"status.deeper", "", false},
		{"records[].id", "", false},
	}
	for _, c := range cases {
		p, err := ParseFieldPath(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := p.Value(doc); got != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.path, got, ok, c.want, c.ok)
		}
	}
	if got, ok := (FieldPath{}).Value("x"); got != "x" || !ok {
		t.Errorf("the zero path is the document: %q %v", got, ok)
	}
	var plain any
	_ = json.Unmarshal([]byte(`{"n":42}`), &plain)
	if got, _ := mustPath(t, "n").Value(plain); got != "42" {
		t.Errorf("a float64 42 reads %q", got)
	}
}

func TestFieldPathValues(t *testing.T) {
	doc := decodeJSON(t, `{"records":[{"id":"a"},{"id":7},{"x":1},{"id":null},{"id":"b"},"s"],
		"nested":[{"ids":["x","y"]},{"ids":[]},{"ids":"z"}],"one":"v"}`)
	cases := map[string][]string{
		"records[].id":   {"a", "7", "b"},
		"nested[].ids[]": {"x", "y"},
		"records[]":      {"s"},
		"one":            {"v"},
		"missing[].id":   nil,
		"one[]":          nil,
	}
	for path, want := range cases {
		if got := mustPath(t, path).Values(doc); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	top := decodeJSON(t, `[{"id":1},{"id":2}]`)
	if got := mustPath(t, "[].id").Values(top); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("[].id on an array answer: %q", got)
	}
}

func mustPath(t testing.TB, s string) FieldPath {
	t.Helper()
	p, err := ParseFieldPath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzParseFieldPath: a path that parses reads back as written, and
// reading it never panics whatever the document.
func FuzzParseFieldPath(f *testing.F) {
	for _, s := range []string{"status", "job.id", "records[].id", "[].id", "a..b", "a[0]", "[", "]", ".", "a[][]"} {
		f.Add(s)
	}
	doc := decodeJSON(f, `{"a":{"b":[{"c":1}]},"records":[{"id":"x"}],"status":"done"}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseFieldPath(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("%q reads back as %q", s, p.String())
		}
		p.Value(doc)
		p.Values(doc)
	})
}

func TestFieldPathPresent(t *testing.T) {
	p, err := ParseFieldPath("data.records[].id")
	if err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]bool{
		`{"data":{"records":[]}}`:           true,
		`{"data":{"records":[{"id":"a"}]}}`: true,
		`{"data":{"records":null}}`:         false,
		`{"data":{}}`:                       false,
		`{"records":[{"id":"a"}]}`:          false,
		`{"data":{"records":{"id":"a"}}}`:   false,
	} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if got := p.Present(v); got != want {
			t.Errorf("%s: Present %v, want %v", doc, got, want)
		}
	}
}
