package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Session is what one caller's flow saved so far: its login's fields
// ({login.NAME}) and its upload steps' ({step.NAME}). A Session is never
// changed once made: a refresh or a step makes a new one (With), so a
// status poll rendering with the caller's session while its next step
// saves needs no lock.
type Session struct {
	Login map[string]string
	Step  map[string]string
}

// With is s with saved added to its login's fields (login true) or its
// steps' — a new Session; s may be nil.
func (s *Session) With(login bool, saved map[string]string) *Session {
	n := &Session{}
	if s != nil {
		n.Login, n.Step = s.Login, s.Step
	}
	if login {
		n.Login = maps.Clone(saved) // a new login replaces the old one whole
		return n
	}
	n.Step = maps.Clone(n.Step)
	if n.Step == nil {
		n.Step = map[string]string{}
	}
	maps.Copy(n.Step, saved)
	return n
}

// SetSessions tells r where each caller's session is, for the
// {login.NAME} and {step.NAME} of every request it renders; without it
// they render empty. f is called once per request, from any goroutine.
func (r *Requests) SetSessions(f func(caller int) *Session) { r.sessions = f }

// SetUploads tells r each caller's upload number (from 0) when callers
// upload more than once (callers.every): every upload after the first
// has an idempotency key of its own ({attempt.key} + "-u" + n), as a
// client sending new data does. f is called once per request.
func (r *Requests) SetUploads(f func(caller int) int) { r.uploadNo = f }

// saved is the value of a {login.NAME} or {step.NAME} segment in c.
func (c *callCtx) saved(sg *segment) []byte {
	if c.sess == nil {
		return nil
	}
	m := c.sess.Step
	if sg.kind == opLogin {
		m = c.sess.Login
	}
	return []byte(m[sg.name])
}

// Save is one field a login or a step keeps of its answer: Name, from
// the header Header when set, else from the JSON answer at Path.
type Save struct {
	Name   string
	Header string
	Path   FieldPath
}

// saveHeaderPrefix marks a save from an answer's header.
const saveHeaderPrefix = "header:"

// parseSaves reads a save map (NAME: where) into Saves sorted by name;
// validation reported its errors already.
func parseSaves(m map[string]string) []Save {
	var out []Save
	for _, name := range slices.Sorted(maps.Keys(m)) {
		where := m[name]
		if h, ok := strings.CutPrefix(where, saveHeaderPrefix); ok {
			out = append(out, Save{Name: name, Header: strings.TrimSpace(h)})
			continue
		}
		fp, err := ParseFieldPath(where)
		if err != nil {
			continue
		}
		out = append(out, Save{Name: name, Path: fp})
	}
	return out
}

// Extract reads saves from an answer: its body (JSON) and its headers
// (header gives a header's first value, "" when absent). It returns what
// it found and, when something is missing, a message in user words
// naming the first field that is.
func Extract(saves []Save, body []byte, header func(string) string) (map[string]string, string) {
	out := make(map[string]string, len(saves))
	var doc any
	parsed := false
	for _, sv := range saves {
		if sv.Header != "" {
			v := header(sv.Header)
			if v == "" {
				return out, fmt.Sprintf("no %s header in the answer (save %s)", sv.Header, sv.Name)
			}
			out[sv.Name] = v
			continue
		}
		if !parsed {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				return out, fmt.Sprintf("the answer is not JSON (%v), so %s cannot be read from it", err, sv.Path)
			}
			parsed = true
		}
		v, ok := sv.Path.Value(doc)
		if !ok || v == "" {
			return out, fmt.Sprintf("no %q in the answer (save %s)", sv.Path.String(), sv.Name)
		}
		out[sv.Name] = v
	}
	return out, ""
}
