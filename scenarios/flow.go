package scenarios

// A caller's flow around its upload (docs/scenarios-api.md, "A caller is a
// flow"): a login before its first request and again when its token runs
// out or is refused, and an upload made of steps, one of which may send
// the caller's data in parts.

// Login is api.login: one request per caller, made before its first
// request, whose answer's fields are saved and usable as {login.NAME} in
// every later request of that caller (uploads, steps, polls, reads).
type Login struct {
	Method  string            `yaml:"method" json:"method"` // default POST
	Path    string            `yaml:"path" json:"path"`
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	Body    *FieldsBody       `yaml:"body" json:"body,omitempty"`
	// Save names what to keep of the answer: NAME: where. Where is a
	// dotted path into the JSON answer (access_token, data.token) or
	// header:NAME (header:Location). The name ttl is the login's lifetime
	// in seconds: the caller logs in again when LoginRefreshAt of it has
	// passed.
	Save map[string]string `yaml:"save" json:"save"`
	// RefreshOn are the upload answers that make the caller log in again
	// and send the refused request once more with the new credentials
	// (not one of its retries). Default [401].
	RefreshOn []int `yaml:"refresh_on" json:"refresh_on,omitempty"`
}

// LoginTTL is the name under Login.Save of the login's lifetime in
// seconds.
const LoginTTL = "ttl"

// LoginRefreshAt is the share of a login's ttl after which the caller logs
// in again before its next request, as OAuth2 client libraries refresh a
// token shortly before it expires rather than after a refusal.
const LoginRefreshAt = 0.9

// FieldsBody is a small request body of named fields: a login's
// credentials. Format form sends application/x-www-form-urlencoded, json
// a JSON object of strings. Each value is a template ({var.NAME},
// ${ENV}, {caller}).
type FieldsBody struct {
	Format string            `yaml:"format" json:"format"` // form (default) | json
	Fields map[string]string `yaml:"fields" json:"fields"`
}

// The formats of a FieldsBody.
const (
	FieldsForm = "form"
	FieldsJSON = "json"
)

// Step is one request of an upload made in steps (api.upload.steps): its
// own method, path, headers and body; Save keeps fields of its answer for
// the later steps and the status polls ({step.NAME}). A step with Parts
// sends the caller's data split in parts, one request a part.
type Step struct {
	Method  string            `yaml:"method" json:"method"` // default POST
	Path    string            `yaml:"path" json:"path"`     // may be {step.NAME} alone: a saved Location
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	// Body is the step's body; for a parts step the caller's data
	// (default: api.upload.body). A step without parts and without a body
	// sends none.
	Body  *Body             `yaml:"body" json:"body,omitempty"`
	Save  map[string]string `yaml:"save" json:"save,omitempty"`
	Parts *Parts            `yaml:"parts" json:"parts,omitempty"`
}

// Parts splits the caller's data into parts of Size bytes (the last one
// shorter), sent with at most Concurrency in flight (default 1: in
// order). {part.n} is the part's number from 1, {part.offset} and
// {part.length} its place in the data.
type Parts struct {
	Size        ByteSize `yaml:"size" json:"size"`
	Concurrency int      `yaml:"concurrency" json:"concurrency,omitempty"`
}

// HasSteps reports whether the upload is made in steps.
func (u Upload) HasSteps() bool { return len(u.Steps) > 0 }

// flowDefaults fills the flow's defaults: POST for a login and a step, a
// form body for a login's fields, refresh on 401, parts one at a time,
// GET for a status poll.
func (a *API) flowDefaults() {
	if l := a.Login; l != nil {
		if l.Method == "" {
			l.Method = "POST"
		}
		if l.Body != nil && l.Body.Format == "" {
			l.Body.Format = FieldsForm
		}
		if l.RefreshOn == nil {
			l.RefreshOn = []int{401}
		}
	}
	for i := range a.Upload.Steps {
		st := &a.Upload.Steps[i]
		if st.Method == "" {
			st.Method = "POST"
		}
		if st.Parts != nil && st.Parts.Concurrency == 0 {
			st.Parts.Concurrency = 1
		}
		if st.Body != nil && st.Body.Format == "" {
			st.Body.Format = FormatJSON
		}
	}
	if a.Status != nil && a.Status.Method == "" {
		a.Status.Method = "GET"
	}
}
