package scenarios

import (
	"errors"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// validate checks the upload, the listing, the completion mode with what
// it needs, and the field paths answers are read with.
func (a *API) validate(l *locator, c Callers) {
	a.Upload.validate(l)
	a.validateFlow(l, c)
	if a.Redirects != "" && a.Redirects != RedirectsFollow && a.Redirects != RedirectsFail {
		l.add("api.redirects", "must be follow or fail, got %q", a.Redirects)
	}
	if li := a.List; li != nil && (li.Method != "GET" || !strings.HasPrefix(li.Path, "/")) {
		l.add("api.list", `must be "GET /path" or {path: /path, headers: {...}}, got %q`, strings.TrimSpace(li.Method+" "+li.Path))
	}
	switch a.Completion {
	case CompletionAuto, CompletionLocation, CompletionNone:
	case CompletionBody:
		a.validateStatus(l)
	default:
		l.add("api.completion", "must be auto, location, body or none, got %q", a.Completion)
	}
	validateFieldPath(l, "api.status_field", a.StatusField, false)
	validateCondition(l, "api.done_when", &a.DoneWhen)
	validateCondition(l, "api.failed_when", &a.FailedWhen)
	if v := a.Verify; v != nil {
		if !strings.HasPrefix(v.Path, "/") {
			l.add("api.verify.path", "must start with /, got %q", v.Path)
		}
		if v.IDsField == "" {
			l.add("api.verify", "a verify without ids_field: name where the answer lists the record ids, e.g. records[].id")
		} else {
			validateFieldPath(l, "api.verify.ids_field", v.IDsField, true)
		}
	}
}

// uploadMethods are the methods an upload may use.
var uploadMethods = []string{"POST", "PUT", "PATCH"}

// validate checks the upload's method and path: in the one-line form as
// one value (as written), in the long form field by field. The caller
// need not be in the path: it may be in a header, a form field, the body,
// or nowhere (the storm knows its callers).
func (u Upload) validate(l *locator) {
	if u.HasSteps() {
		if u.Path != "" {
			l.add("api.upload.path", "an upload in steps has its paths in its steps: leave path out")
		}
		u.validateSending(l)
		return
	}
	okMethod := slices.Contains(uploadMethods, u.Method)
	okPath := strings.HasPrefix(u.Path, "/")
	if n, _ := l.find("api.upload"); n == nil || !isMapping(n) {
		if !okMethod || !okPath {
			l.add("api.upload", `must be "METHOD /path" with METHOD POST, PUT or PATCH, got %q`, u.Method+" "+u.Path)
		}
		return
	}
	if !okMethod {
		l.add("api.upload.method", "must be POST, PUT or PATCH, got %q", u.Method)
	}
	if !okPath {
		l.add("api.upload.path", "must start with /, got %q", u.Path)
	}
	u.validateSending(l)
}

// validateSending checks how the body is sent: its compression, and the
// Expect mode; a Content-Encoding header would label a body rehearse does
// not encode (a decoding API would refuse every one), so it comes only
// from body.compress.
func (u Upload) validateSending(l *locator) {
	if u.Body.Compress != "" && u.Body.Compress != "gzip" {
		l.add("api.upload.body.compress", "must be gzip (or left out), got %q", u.Body.Compress)
	}
	switch u.ExpectContinue {
	case "", ExpectNever, ExpectAuto, ExpectAlways:
	default:
		l.add("api.upload.expect_continue", "must be auto, always or never, got %q", u.ExpectContinue)
	}
	for k := range u.Headers {
		if strings.EqualFold(k, "Content-Encoding") {
			l.add("api.upload.headers."+k, "rehearse sends the body as it is: set body.compress: gzip to compress it (and label it), not a Content-Encoding header")
		}
	}
}

// validateCondition parses the condition at path p, when set, and
// reports its problem at the column where it is.
func validateCondition(l *locator, p string, c *Condition) {
	if c.Text == "" {
		return
	}
	parsed, err := ParseCondition(c.Text)
	var ce *ConditionError
	if errors.As(err, &ce) {
		l.addAt(p, ce.Offset, ce.Msg)
		return
	}
	*c = parsed
}

// isMapping reports whether n is a mapping (the long form of a value).
func isMapping(n ast.Node) bool {
	_, ok := n.(ast.MapNode)
	return ok
}

// validateStatus checks what completion: body needs: a status whose path
// holds {upload.id} and an id_field naming one value of the answer.
func (a API) validateStatus(l *locator) {
	st := a.Status
	if st == nil {
		l.add("api.completion", `body needs api.status: {path: "/jobs/{upload.id}", id_field: job.id}`)
		return
	}
	if a.Upload.HasSteps() && strings.Contains(st.Path, "{step.") && !strings.Contains(st.Path, "{upload.id}") {
		return // the upload's steps saved what the polls need
	}
	if !strings.HasPrefix(st.Path, "/") || !strings.Contains(st.Path, "{upload.id}") {
		l.add("api.status.path", "must start with / and hold {upload.id}, got %q", st.Path)
	}
	if st.IDField == "" {
		l.add("api.status", "a status without id_field: name where the upload's answer holds its id, e.g. job.id")
		return
	}
	validateFieldPath(l, "api.status.id_field", st.IDField, false)
}

// validateFieldPath checks the field path s at path p: one value (list
// false) or a list with [] (list true).
func validateFieldPath(l *locator, p, s string, list bool) {
	fp, err := ParseFieldPath(s)
	switch {
	case err != nil:
		l.add(p, "%v", err)
	case list && !fp.IsList():
		l.add(p, "names one value; name the list with [] (every element), e.g. records[].id, got %q", s)
	case !list && fp.IsList():
		l.add(p, "names one value: [] (every element) has no place here, got %q", s)
	}
}

// validateTemplates reports each problem of the request templates at the
// line of its template and the column of the problem in it (locator.addAt).
func (s *Scenario) validateTemplates(l *locator, lookupEnv func(string) (string, bool)) {
	for _, e := range checkTemplates(s, lookupEnv) {
		l.addAt(e.Path, e.Offset, e.Msg)
	}
}
