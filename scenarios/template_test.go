package scenarios

import (
	"strings"
	"testing"
)

// env is a lookupEnv holding TOKEN (a secret that must never be printed)
// and EMPTY.
func env(name string) (string, bool) {
	switch name {
	case "TOKEN":
		return "s3cr3t-t0ken", true
	case "EMPTY":
		return "", true
	}
	return "", false
}

// templated is a scenario with the given upload, callers with vars, and a
// status and verify read.
func templated(up Upload) *Scenario {
	s := &Scenario{Name: "tpl", Seed: 7}
	s.API.Upload = up
	s.Callers = Callers{Count: 20, Records: Distribution{Fixed: 12}, RecordBytes: 32, Vars: map[string]string{"tenant": "acme"}}
	return s
}

func TestCompile(t *testing.T) {
	cases := []struct {
		in   string
		want []opKind
		errs int
	}{
		{`{"id":"{record.id}"}`, []opKind{opLit, opRecordID, opLit}, 0},
		{`{caller}{caller.class}`, []opKind{opCaller, opClass}, 0},
		{`Bearer ${TOKEN}`, []opKind{opLit, opSecret}, 0},
		{`{var.Region-1}`, []opKind{opVar}, 0},
		{`${}{}{1a}{A}$`, []opKind{opLit}, 0},
		{`x{recrod.id}y`, []opKind{opLit, opLit}, 1},
		{`{var}`, nil, 1},
		{`{ caller }`, []opKind{opLit}, 0},
	}
	for _, c := range cases {
		segs, errs := compile(c.in)
		var got []opKind
		for _, s := range segs {
			got = append(got, s.kind)
		}
		if len(errs) != c.errs || strings.Trim(strings.Join(kindNames(got), ","), ",") != strings.Join(kindNames(c.want), ",") {
			t.Errorf("compile(%q) = %v, %v; want %v with %d errors", c.in, got, errs, c.want, c.errs)
		}
	}
	if _, errs := compile("ab{record.ids}"); len(errs) != 1 || errs[0].Offset != 2 || !strings.Contains(errs[0].Msg, "did you mean {record.id}?") {
		t.Errorf("errors: %+v", errs)
	}
}

func kindNames(ks []opKind) []string {
	var s []string
	for _, k := range ks {
		s = append(s, string(rune('A'+k)))
	}
	return s
}

// TestCheckTemplates: every mistake of a template is reported at once, at
// its path and offset, with a message that names what to do.
func TestCheckTemplates(t *testing.T) {
	type want struct {
		path   string
		offset int
		msg    string
	}
	cases := []struct {
		name string
		edit func(s *Scenario)
		want []want
	}{
		{"one-line form", func(*Scenario) {}, nil},
		{"unknown placeholder", func(s *Scenario) { s.API.Upload.Path = "/v1/{callr}/x" },
			[]want{{"api.upload.path", 4, "unknown placeholder {callr}; did you mean {caller}?"}}},
		{"record in path", func(s *Scenario) { s.API.Upload.Path = "/v1/{caller}/{record.id}" },
			[]want{{"api.upload.path", 13, "{record.id} is a record's"}}},
		{"upload.id outside status", func(s *Scenario) { s.API.Upload.Headers = map[string]string{"X-Up": "{upload.id}"} },
			[]want{{"api.upload.headers.X-Up", 0, "{upload.id} may go in api.status.path only"}}},
		{"records outside envelope", func(s *Scenario) { s.API.Upload.Body.Record = `[{records}]` },
			[]want{{"api.upload.body.record", 1, "{records} may go in body.envelope only"}}},
		{"envelope without records", func(s *Scenario) { s.API.Upload.Body.Envelope = `{"items":[]}` },
			[]want{{"api.upload.body.envelope", 0, "an envelope needs {records}"}}},
		{"secret not set", func(s *Scenario) {
			s.API.Upload.Headers = map[string]string{"Authorization": "Bearer ${TOKEN}", "X-Key": "${NOPE}"}
		}, []want{{"api.upload.headers.X-Key", 0, "${NOPE} is not set in the environment"}}},
		{"secret in path", func(s *Scenario) { s.API.Upload.Path = "/v1/{caller}?t=${TOKEN}" },
			[]want{{"api.upload.path", 15, "${TOKEN} secrets may go in headers and multipart fields only"}}},
		{"var undefined for a class", func(s *Scenario) {
			s.Callers.Classes = []CallerClass{{Name: "erp", Vars: map[string]string{"region": "eu"}}, {Name: "batch"}}
			s.API.Upload.Path = "/v1/{caller}/{var.region}/{var.tenant}"
		}, []want{{"api.upload.path", 13, "{var.region} is not defined for class batch"}}},
		{"var undefined", func(s *Scenario) { s.API.Upload.Body.Record = `{"t":"{var.zone}"}` },
			[]want{{"api.upload.body.record", 6, "{var.zone} is not defined: set it in callers.vars"}}},
		{"multipart without part", func(s *Scenario) { s.API.Upload.Body.Format = FormatMultipart },
			[]want{{"api.upload.body", 0, "a multipart body needs a file part: body.part"}}},
		{"multipart part", func(s *Scenario) {
			s.API.Upload.Body = Body{Format: FormatMultipart, Part: &Part{Format: FormatMultipart, Filename: "{record.index}.csv"}}
		}, []want{{"api.upload.body.part.format", 0, "a file part cannot be multipart itself"},
			{"api.upload.body.part.filename", 0, "{record.index} is a record's"}}},
		{"fields outside multipart", func(s *Scenario) {
			s.API.Upload.Body = Body{Format: FormatCSV, Envelope: "[{records}]", Fields: map[string]string{"a": "b"}}
		}, []want{{"api.upload.body.fields", 0, "form fields are for format multipart only"},
			{"api.upload.body.envelope", 0, "an envelope wraps json records only, not csv"}}},
		{"status and verify", func(s *Scenario) {
			s.API.Status = &Status{Path: "/jobs/{upload.id}?try={attempt.try}"}
			s.API.Verify = &Verify{Path: "/t/{caller}/{upload.id}"}
		}, []want{{"api.status.path", 22, "{attempt.try} is not known here"},
			{"api.verify.path", 12, "{upload.id} may go in api.status.path only"}}},
		{"body.length outside headers", func(s *Scenario) { s.API.Upload.Body.Envelope = `{"n":{body.length},"r":[{records}]}` },
			[]want{{"api.upload.body.envelope", 5, "{body.length} may go in headers only"}}},
		{"header name", func(s *Scenario) { s.API.Upload.Headers = map[string]string{"X Bad": "v"} },
			[]want{{"api.upload.headers.X Bad", 0, "is not a header name"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := templated(Upload{Method: "POST", Path: "/v1/callers/{caller}/records"})
			c.edit(s)
			got := checkTemplates(s, env)
			if len(got) != len(c.want) {
				t.Fatalf("got %d errors %+v, want %d", len(got), got, len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if g.Path != w.path || g.Offset != w.offset || !strings.Contains(g.Msg, w.msg) {
					t.Errorf("error %d = %+v, want %+v", i, g, w)
				}
				if strings.Contains(g.Error(), "s3cr3t") {
					t.Errorf("error %d shows the secret: %v", i, g)
				}
			}
		})
	}
}

// FuzzCompile: the compiler never panics, its segments cover the text in
// order and every offset is within it.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`{"id":"{record.id}"}`, `Bearer ${TOKEN}`, `{var.x}{`, `${`, `{records}`, `{a.b}}{{c}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, errs := compile(s)
		last := -1
		for _, sg := range segs {
			if sg.off <= last || sg.off >= len(s) {
				t.Fatalf("%q: segment at %d after %d", s, sg.off, last)
			}
			if sg.kind == opLit && !strings.HasPrefix(s[sg.off:], string(sg.lit)) {
				t.Fatalf("%q: literal %q is not the text at %d", s, sg.lit, sg.off)
			}
			last = sg.off
		}
		for _, e := range errs {
			if e.Offset < 0 || e.Offset >= len(s) {
				t.Fatalf("%q: error offset %d", s, e.Offset)
			}
		}
	})
}
