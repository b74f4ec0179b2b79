package scenarios

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// decode is a status answer as the poller decodes it (UseNumber).
func decode(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestConditionHolds(t *testing.T) {
	for _, c := range []struct {
		expr, doc string
		want      bool
	}{
		{`state == "finished"`, `{"state":"finished"}`, true},
		{`state == "finished"`, `{"state":"queued"}`, false},
		{`data.state == 'done'`, `{"data":{"state":"done"}}`, true},
		{`done == true && error == null`, `{"done":true,"error":null}`, true},
		{`done == true && error == null`, `{"done":true}`, true}, // missing is null
		{`done == true && error == null`, `{"done":true,"error":{"code":5}}`, false},
		{`done == true && error == null`, `{"done":false,"error":null}`, false},
		{`error != null`, `{"done":true,"error":{"code":5}}`, true},
		{`error != null`, `{"done":false}`, false},
		{`progress >= 100`, `{"progress":100}`, true},
		{`progress >= 100`, `{"progress":99.5}`, false},
		{`progress >= 100`, `{"progress":"100"}`, false}, // a string is not a number
		{`progress > -1.5e1`, `{"progress":-3}`, true},
		{`n < 3 || n > 10`, `{"n":11}`, true},
		{`n < 3 || n > 10`, `{"n":5}`, false},
		{`a == 1 || b == 1 && c == 1`, `{"a":1,"b":0,"c":0}`, true}, // && binds tighter
		{`(a == 1 || b == 1) && c == 1`, `{"a":1,"b":0,"c":0}`, false},
		{`done`, `{"done":true}`, true},
		{`done`, `{"done":"yes"}`, false},
		{`state == "a\"b"`, `{"state":"a\"b"}`, true},
		{`x-y.z == 2`, `{"x-y":{"z":2}}`, true},
		{`obj == null`, `{"obj":{}}`, false},
		{`s < "b"`, `{"s":"a"}`, true},
		{`state == "finished"`, `[1,2]`, false},
	} {
		cond, err := ParseCondition(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := cond.Holds(decode(t, c.doc)); got != c.want {
			t.Errorf("%s on %s = %v, want %v", c.expr, c.doc, got, c.want)
		}
	}
	if (Condition{}).Holds(map[string]any{}) {
		t.Error("an unset condition holds")
	}
}

func TestConditionErrors(t *testing.T) {
	for _, c := range []struct {
		expr string
		off  int
		msg  string
	}{
		{``, 0, "empty condition"},
		{`state = "x"`, 6, `unexpected "=": compare with ==`},
		{`state == "x`, 9, "no closing"},
		{`state == `, 9, "got the end"},
		{`(state == "x"`, 13, "want ) to close the ( at offset 0"},
		{`state == "x" done == true`, 13, `unexpected "done": want && or ||`},
		{`a == 1 & b == 2`, 7, "join conditions with && or ||"},
		{`records[].id == 1`, 0, "is not a field path"},
		{`"x"`, 0, "alone is always the same"},
		{`a == == 1`, 5, `got "=="`},
		{`a == -`, 5, "is not a number"},
		{`a == 1 ||`, 9, "got the end"},
	} {
		_, err := ParseCondition(c.expr)
		var ce *ConditionError
		if !errors.As(err, &ce) || ce.Offset != c.off || !strings.Contains(ce.Msg, c.msg) {
			t.Errorf("%q: got %v, want offset %d and %q", c.expr, err, c.off, c.msg)
		}
	}
}

// TestConditionInScenario: api.done_when and api.failed_when are parsed
// at load; a problem is reported at the line and column inside the
// expression.
func TestConditionInScenario(t *testing.T) {
	const head = "name: c\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\n"
	sc, err := Parse("c.yaml", []byte(head+"api:\n  done_when: \"done == true && error == null\"\n  failed_when: error != null\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !sc.API.DoneWhen.Holds(decode(t, `{"done":true}`)) || !sc.API.FailedWhen.Holds(decode(t, `{"error":"x"}`)) {
		t.Fatalf("conditions not parsed at load: %+v", sc.API)
	}
	_, err = Parse("c.yaml", []byte(head+"api:\n  done_when: \"done == true & error == null\"\n"))
	if err == nil || err.Error() != `c.yaml:5:28: api.done_when: unexpected "&": join conditions with && or ||` {
		t.Fatalf("got %v", err)
	}
	_, err = Parse("c.yaml", []byte(head+"api:\n  done_when: [a]\n"))
	if err == nil || !strings.Contains(err.Error(), "api.done_when: want a condition") {
		t.Fatalf("got %v", err)
	}
}

// FuzzParseCondition: no text makes the parser or the evaluation panic;
// a condition that parses parses again from its text to one that decides
// the same.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{`state == "finished"`, `done == true && error == null`, `progress >= 100`,
		`(a == 1 || b != 'x') && c <= -2.5e3`, `a`, `"unterminated`, `((`, `a == == 1`, "a.b.c == null"} {
		f.Add(s)
	}
	doc := map[string]any{"state": "finished", "done": true, "error": nil, "progress": json.Number("100"),
		"a": map[string]any{"b": map[string]any{"c": nil}}}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err != nil {
			var ce *ConditionError
			if !errors.As(err, &ce) || ce.Offset < 0 || ce.Offset > len(s) {
				t.Fatalf("%q: error %v is not at an offset inside the text", s, err)
			}
			return
		}
		again, err := ParseCondition(c.Text)
		if err != nil || again.Holds(doc) != c.Holds(doc) {
			t.Fatalf("%q: parses again as %v, %v", s, again, err)
		}
	})
}
