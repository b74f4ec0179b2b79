package scenarios

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// flowSources lists the templates of s's login and upload steps, in the
// order of templateSources.
func flowSources(s *Scenario) []templateSource {
	var src []templateSource
	if l := s.API.Login; l != nil {
		src = append(src, templateSource{path: "api.login.path", text: l.Path, allow: allowLoginPath})
		src = appendHeaderSources(src, "api.login.headers", l.Headers, allowLoginField)
		if b := l.Body; b != nil {
			for _, k := range slices.Sorted(maps.Keys(b.Fields)) {
				src = append(src, templateSource{path: "api.login.body.fields." + k, text: b.Fields[k], allow: allowLoginField})
			}
		}
	}
	for i, st := range s.API.Upload.Steps {
		p := fmt.Sprintf("api.upload.steps[%d]", i)
		path, header := allowStepPath, allowStepHeader
		if st.Parts != nil {
			path, header = path|allowPart, header|allowPart
		}
		src = append(src, templateSource{path: p + ".path", text: st.Path, allow: path, step: i + 1})
		for _, h := range appendHeaderSources(nil, p+".headers", st.Headers, header) {
			h.step = i + 1
			src = append(src, h)
		}
		if b := st.Body; b != nil {
			src = append(src, templateSource{path: p + ".body.record", text: b.Record, allow: allowRecord, step: i + 1},
				templateSource{path: p + ".body.envelope", text: b.Envelope, allow: allowEnvelope, step: i + 1})
		}
	}
	return src
}

// checkSaved reports a {login.NAME} without a login that saves NAME, and
// a {step.NAME} that no step before the template's saves (any step, for
// api.status).
func checkSaved(s *Scenario, t templateSource, sg segment, add func(int, string, ...any)) {
	if sg.kind == opLogin {
		l := s.API.Login
		switch {
		case l == nil:
			add(sg.off, "{login.%s} needs api.login, whose answer it is saved from", sg.name)
		case l.Save[sg.name] == "":
			add(sg.off, "{login.%s}: api.login.save has no %s (it saves: %s)", sg.name, sg.name, savedNames(l.Save))
		}
		return
	}
	steps := s.API.Upload.Steps
	for i := 0; i < len(steps) && i+1 < t.step; i++ {
		if steps[i].Save[sg.name] != "" {
			return
		}
	}
	switch {
	case len(steps) == 0:
		add(sg.off, "{step.%s} needs api.upload.steps, one of which saves %s", sg.name, sg.name)
	case t.step == 0:
		add(sg.off, "{step.%s} may go in the upload's steps and api.status only", sg.name)
	default:
		add(sg.off, "{step.%s}: no step before this one saves %s", sg.name, sg.name)
	}
}

// savedNames lists a save map's names, or says there are none.
func savedNames(m map[string]string) string {
	if len(m) == 0 {
		return "nothing"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// flowMethods are the methods a login or a step may use.
var flowMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}

// savedNameRe is a saved field's name: it goes between braces.
var savedNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// validateFlow checks api.login, api.upload.steps and api.status.method.
func (a *API) validateFlow(l *locator, c Callers) {
	if lg := a.Login; lg != nil {
		a.validateLogin(l)
	}
	if a.Upload.HasSteps() {
		a.validateSteps(l, c)
	}
	if st := a.Status; st != nil && !slices.Contains([]string{"GET", "HEAD", "POST"}, st.Method) {
		l.add("api.status.method", "must be GET, HEAD or POST, got %q", st.Method)
	}
}

func (a *API) validateLogin(l *locator) {
	lg := a.Login
	if !slices.Contains(flowMethods, lg.Method) {
		l.add("api.login.method", "must be one of %s, got %q", strings.Join(flowMethods, ", "), lg.Method)
	}
	if !strings.HasPrefix(lg.Path, "/") {
		l.add("api.login.path", "must start with /, got %q", lg.Path)
	}
	if b := lg.Body; b != nil && b.Format != FieldsForm && b.Format != FieldsJSON {
		l.add("api.login.body.format", "must be form or json, got %q", b.Format)
	}
	if len(lg.Save) == 0 {
		l.add("api.login", "a login without save keeps nothing of its answer: save: {token: access_token} makes {login.token}")
	}
	validateSaves(l, "api.login.save", lg.Save)
	if v, ok := lg.Save[LoginTTL]; ok && strings.HasPrefix(v, saveHeaderPrefix) {
		l.add("api.login.save.ttl", "the login's lifetime comes from its JSON answer (e.g. expires_in), not a header")
	}
	for i, code := range lg.RefreshOn {
		if code < 400 || code > 599 {
			l.add(fmt.Sprintf("api.login.refresh_on[%d]", i), "must be a 4xx or 5xx status, got %d", code)
		}
	}
}

// validateSaves checks a save map: names that fit between braces, and
// where each comes from.
func validateSaves(l *locator, p string, m map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(m)) {
		where := m[name]
		if !savedNameRe.MatchString(name) {
			l.add(p+"."+name, "%q cannot be a saved name: lowercase letters, digits and _, starting with a letter", name)
		}
		if h, ok := strings.CutPrefix(where, saveHeaderPrefix); ok {
			if strings.TrimSpace(h) == "" {
				l.add(p+"."+name, "header: needs a header's name, e.g. header:Location")
			}
			continue
		}
		validateFieldPath(l, p+"."+name, where, false)
	}
}

func (a *API) validateSteps(l *locator, c Callers) {
	up := a.Upload
	parts := 0
	for i, st := range up.Steps {
		p := fmt.Sprintf("api.upload.steps[%d]", i)
		if !slices.Contains(flowMethods, st.Method) {
			l.add(p+".method", "must be one of %s, got %q", strings.Join(flowMethods, ", "), st.Method)
		}
		if !strings.HasPrefix(st.Path, "/") && !strings.HasPrefix(st.Path, "{step.") {
			l.add(p+".path", "must start with / (or be a saved location, {step.NAME}), got %q", st.Path)
		}
		validateSaves(l, p+".save", st.Save)
		if b := st.Body; b != nil && b.Format == FormatMultipart {
			l.add(p+".body.format", "a step's body is json, ndjson, csv or raw: multipart uploads are one request (api.upload.body)")
		}
		if st.Parts == nil {
			continue
		}
		if parts++; parts == 2 {
			l.add(p+".parts", "one step may send the data in parts; this is the second")
		}
		validateParts(l, p+".parts", *st.Parts, c)
		if st.Body == nil && up.Body.Format == FormatMultipart {
			l.add(p+".body", "the data sent in parts cannot be multipart: give this step a body (e.g. {format: raw})")
		}
	}
}

// validateParts checks a part's size and concurrency, and that a part is
// smaller than the most data a caller can have: else every upload would
// be one part, which is not what the step says.
func validateParts(l *locator, p string, pt Parts, c Callers) {
	if pt.Size <= 0 {
		l.add(p+".size", "must be > 0, e.g. 5MiB")
	}
	if pt.Concurrency < 1 || pt.Concurrency > 64 {
		l.add(p+".concurrency", "must be 1 to 64, got %d", pt.Concurrency)
	}
	if most := c.mostData(); most > 0 && int64(pt.Size) > most {
		l.add(p+".size", "parts of %d bytes are more than any caller's whole data (at most about %d bytes: records × record_bytes): every upload would be one part", int64(pt.Size), most)
	}
}

// mostData bounds a caller's data from above: its most records times
// record_bytes plus a record's framing (ids, quotes, commas), over every
// class; 0 when a distribution has no bound.
func (c Callers) mostData() int64 {
	most := func(d Distribution, rb int) int64 {
		n := d.Fixed
		if n == 0 {
			n = d.Max
		}
		if n == 0 {
			return -1
		}
		return int64(n) * int64(rb+64)
	}
	best := most(c.Records, c.RecordBytes)
	for _, cl := range c.Classes {
		d, rb := cl.Records, cl.RecordBytes
		if d == (Distribution{}) {
			d = c.Records
		}
		if rb == 0 {
			rb = c.RecordBytes
		}
		m := most(d, rb)
		if m < 0 || best < 0 {
			best = -1
			continue
		}
		best = max(best, m)
	}
	return max(best, 0)
}
