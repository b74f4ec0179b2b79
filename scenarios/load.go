package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Defaults applied by Parse to fields a scenario leaves out.
const (
	DefaultSeed         = 1
	DefaultTimeout      = 30 * time.Second
	DefaultRecordBytes  = 200
	DefaultMaxDuration  = 5 * time.Minute
	DefaultDrainTimeout = 2 * time.Minute
	DefaultUpload       = "POST /v1/callers/{caller}/records"
	DefaultStatusField  = "status"
	DefaultList         = "GET /v1/callers/{caller}/uploads"
	DefaultImagePort    = 8080
	DefaultHealth       = "/healthz"
	DefaultBackoffBase  = time.Second
	DefaultBackoffMax   = 30 * time.Second
)

// ErrInvalid is matched (errors.Is) by every error about a scenario's
// content or its file, so the CLI can map them to exit code 2.
var ErrInvalid = errors.New("invalid scenario")

// FieldError is one problem in a scenario file, at a line and column.
type FieldError struct {
	File   string
	Line   int
	Column int
	Path   string // e.g. callers.retry.attempts; "" for syntax errors
	Msg    string
}

func (e *FieldError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	if e.Path != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

//go:embed builtin/*.yaml seed/*.yaml
var builtinFS embed.FS

// Builtin describes an embedded scenario.
type Builtin struct {
	Name        string
	Description string
	Suite       string // "" or the suite it belongs to (e.g. "seed")
}

// Builtins lists the embedded scenarios, suites last.
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
// them, a built-in scenario name, or a built-in suite name ("seed").
func Resolve(arg string) ([]*Scenario, error) {
	if _, err := os.Stat(arg); err == nil {
		return Load(arg)
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

func parseEmbedded(path string) (*Scenario, error) {
	src, err := builtinFS.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse("builtin:"+path, src)
}

// Load reads a scenario file, or every *.yaml / *.yml file of a folder in
// name order.
func Load(path string) ([]*Scenario, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	files := []string{path}
	if st.IsDir() {
		files = nil
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		for _, e := range entries {
			if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%w: folder %s holds no .yaml scenario", ErrInvalid, path)
		}
	}
	var out []*Scenario
	var errs []error
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %v", ErrInvalid, err))
			continue
		}
		sc, err := Parse(f, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, sc)
	}
	return out, errors.Join(errs...)
}

// Parse decodes a scenario strictly (an unknown key is an error naming it,
// with line and column), applies the defaults and validates it. Every
// problem is reported at once; each is a *FieldError matching ErrInvalid.
func Parse(file string, src []byte) (*Scenario, error) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlError(file, err)
	}
	var sc Scenario
	if err := yaml.UnmarshalWithOptions(src, &sc, yaml.Strict()); err != nil {
		return nil, yamlError(file, err)
	}
	sc.File, sc.Source = file, src
	sc.applyDefaults()
	if err := sc.validate(&locator{file: file, ast: f}); err != nil {
		return nil, err
	}
	return &sc, nil
}

func yamlError(file string, err error) error {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return &FieldError{File: file, Line: p.Line, Column: p.Column, Msg: ye.GetMessage()}
	}
	return &FieldError{File: file, Msg: err.Error()}
}

func (s *Scenario) applyDefaults() {
	if s.Seed == 0 {
		s.Seed = DefaultSeed
	}
	if s.Expect == "" {
		s.Expect = "pass"
	}
	if r := s.SUT.Reference; r != nil && r.Replicas == 0 {
		r.Replicas = 1
	}
	s.SUT.defaults()
	if up := s.Upgrade; up != nil {
		up.To.defaults()
		if up.Strategy == "" {
			up.Strategy = "rolling"
		}
	}
	if s.API.Upload == "" {
		s.API.Upload = DefaultUpload
	}
	if s.API.Completion == "" {
		s.API.Completion = "none"
		if r := s.SUT.Reference; r != nil && r.Mode == "async" {
			s.API.Completion = "location"
		}
	}
	if s.API.List == "" && s.SUT.Reference != nil && s.API.Completion == "location" {
		s.API.List = DefaultList
	}
	if s.API.StatusField == "" {
		s.API.StatusField = DefaultStatusField
	}
	if len(s.API.Done) == 0 {
		s.API.Done = []string{"done"}
	}
	if len(s.API.Failed) == 0 {
		s.API.Failed = []string{"failed"}
	}
	c := &s.Callers
	if c.RecordBytes == 0 {
		c.RecordBytes = DefaultRecordBytes
	}
	if c.Timeout == 0 {
		c.Timeout = Duration(DefaultTimeout)
	}
	if c.Records == (Distribution{}) {
		c.Records.Fixed = 100
	}
	if c.Records.Fixed == 0 && c.Records.Max == 0 {
		c.Records.Max = 2 * c.Records.P99
	}
	r := &c.Retry
	if r.Attempts == 0 {
		r.Attempts = 1
	}
	if r.Backoff == "" {
		r.Backoff = "exponential"
	}
	if r.Base == 0 {
		r.Base = Duration(DefaultBackoffBase)
	}
	if r.Max == 0 {
		r.Max = Duration(DefaultBackoffMax)
	}
	if r.Jitter == "" {
		r.Jitter = "full"
	}
	if r.On == nil {
		r.On = []string{"timeout", "5xx", "429", "conn"}
	}
	if s.Arrival.Profile == "" {
		s.Arrival.Profile = "burst"
	}
	if s.Arrival.Window == 0 && s.Arrival.Profile != "constant" {
		s.Arrival.Window = Duration(10 * time.Second)
	}
	if s.Run.MaxDuration == 0 {
		s.Run.MaxDuration = Duration(DefaultMaxDuration)
	}
	if s.Run.DrainTimeout == 0 {
		s.Run.DrainTimeout = Duration(DefaultDrainTimeout)
	}
}

func (s *SUT) defaults() {
	if s.Network == "" {
		switch {
		case s.Reference != nil:
			s.Network = "host"
		case s.Image != nil:
			s.Network = "bridge"
		}
	}
	if s.Reference != nil && s.Reference.Replicas == 0 {
		s.Reference.Replicas = 1
	}
	if im := s.Image; im != nil {
		if im.Port == 0 {
			im.Port = DefaultImagePort
		}
		if im.Health == "" {
			im.Health = DefaultHealth
		}
	}
	if s.Restart == nil {
		s.Restart = &Restart{Policy: "no"}
	}
}

// locator finds the line and column of a YAML path in the parsed file.
type locator struct {
	file string
	ast  *ast.File
	errs []error
}

// add records a problem at path (dotted, with [i] indexes); the position is
// that of the deepest existing node on the path.
func (l *locator) add(path, format string, args ...any) {
	fe := &FieldError{File: l.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	for p := path; p != ""; p = parent(p) {
		yp, err := yaml.PathString("$." + p)
		if err != nil {
			continue
		}
		if n, err := yp.FilterFile(l.ast); err == nil && n != nil {
			pos := n.GetToken().Position
			fe.Line, fe.Column = pos.Line, pos.Column
			break
		}
	}
	l.errs = append(l.errs, fe)
}

func parent(p string) string {
	if i := strings.LastIndexAny(p, ".["); i > 0 {
		return p[:i]
	}
	return ""
}

var nameRe = regexp.MustCompile(`^[a-z0-9-]+$`)

// Validate reports every problem of s at once (errors.Join of *FieldError).
// Positions are known only for scenarios that came from Parse.
func (s *Scenario) Validate() error {
	l := &locator{file: s.File}
	if s.Source != nil {
		l.ast, _ = parser.ParseBytes(s.Source, 0)
	}
	return s.validate(l)
}

func (s *Scenario) validate(l *locator) error {
	if l.ast == nil {
		l.ast = &ast.File{}
	}
	if !nameRe.MatchString(s.Name) {
		l.add("name", "required, lowercase letters, digits and dashes ([a-z0-9-]+), got %q", s.Name)
	}
	if s.Expect != "pass" && s.Expect != "fail" {
		l.add("expect", "must be pass or fail, got %q", s.Expect)
	}
	validateSUT(l, "sut", &s.SUT)
	if up := s.Upgrade; up != nil {
		validateSUT(l, "upgrade.to", &up.To)
		if up.Strategy != "rolling" && up.Strategy != "recreate" {
			l.add("upgrade.strategy", "must be rolling or recreate, got %q", up.Strategy)
		}
		if up.At < 0 {
			l.add("upgrade.at", "must be >= 0")
		}
	}
	a := s.API
	if m, p, ok := strings.Cut(a.Upload, " "); !ok || !slices.Contains([]string{"POST", "PUT", "PATCH"}, m) || !strings.HasPrefix(p, "/") || !strings.Contains(p, "{caller}") {
		l.add("api.upload", `must be "METHOD /path" with METHOD POST, PUT or PATCH and {caller} in the path or query, got %q`, a.Upload)
	}
	if m, p, ok := strings.Cut(a.List, " "); a.List != "" && (!ok || m != "GET" || !strings.Contains(p, "{caller}")) {
		l.add("api.list", `must be "GET /path" with {caller} in it, got %q`, a.List)
	}
	if a.Completion != "location" && a.Completion != "none" {
		l.add("api.completion", "must be location or none, got %q", a.Completion)
	}
	c := s.Callers
	if c.Count < 1 || c.Count > 1_000_000 {
		l.add("callers.count", "must be 1..1000000, got %d", c.Count)
	}
	d := c.Records
	switch {
	case d.Fixed < 0:
		l.add("callers.records", "must be > 0")
	case d.Fixed == 0 && (d.Median < 1 || d.P99 < d.Median || d.Max < d.P99):
		l.add("callers.records", "needs median >= 1, p99 >= median and max >= p99 (got median %d, p99 %d, max %d)", d.Median, d.P99, d.Max)
	}
	if c.RecordBytes < 16 || c.RecordBytes > 1<<20 {
		l.add("callers.record_bytes", "must be 16..1048576, got %d", c.RecordBytes)
	}
	if c.Timeout <= 0 {
		l.add("callers.timeout", "must be > 0")
	}
	r := c.Retry
	if r.Attempts < 1 || r.Attempts > 100 {
		l.add("callers.retry.attempts", "must be 1..100 (1 = no retry), got %d", r.Attempts)
	}
	if !slices.Contains([]string{"none", "constant", "exponential"}, r.Backoff) {
		l.add("callers.retry.backoff", "must be none, constant or exponential, got %q", r.Backoff)
	}
	if !slices.Contains([]string{"none", "full", "equal"}, r.Jitter) {
		l.add("callers.retry.jitter", "must be none, full or equal, got %q", r.Jitter)
	}
	if r.Base < 0 || r.Max < r.Base {
		l.add("callers.retry.max", "must be >= base")
	}
	for i, on := range r.On {
		if !slices.Contains([]string{"timeout", "5xx", "429", "4xx", "conn", "other"}, on) {
			l.add(fmt.Sprintf("callers.retry.on[%d]", i), "unknown class %q (timeout, 5xx, 429, 4xx, conn, other)", on)
		}
	}
	ar := s.Arrival
	switch ar.Profile {
	case "burst", "ramp":
		if ar.Window <= 0 {
			l.add("arrival.window", "must be > 0 for profile %s", ar.Profile)
		}
	case "constant":
		if ar.Rate <= 0 {
			l.add("arrival.rate", "must be > 0 callers per second for profile constant")
		}
	case "poisson":
		if ar.Rate <= 0 && ar.Window <= 0 {
			l.add("arrival.rate", "poisson needs a rate (callers per second) or a window")
		}
	default:
		l.add("arrival.profile", "must be burst, ramp, poisson or constant, got %q", ar.Profile)
	}
	if s.Run.MaxDuration <= 0 {
		l.add("run.max_duration", "must be > 0")
	}
	if s.Run.DrainTimeout < 0 {
		l.add("run.drain_timeout", "must be >= 0")
	}
	for i, f := range s.Faults {
		p := fmt.Sprintf("faults[%d]", i)
		if !slices.Contains([]string{"kill", "stop", "start", "restart", "pause", "unpause"}, f.Action) {
			l.add(p+".action", "must be kill, stop, start, restart, pause or unpause, got %q", f.Action)
		}
		if !targetRe.MatchString(f.Target) {
			l.add(p+".target", "must be sut, lb or replica-N, got %q", f.Target)
		}
		if f.At < 0 {
			l.add(p+".at", "must be >= 0")
		}
		if s.SUT.URL != "" {
			l.add(p, "faults need a SUT that rehearse starts (sut.url is not started by rehearse)")
		}
	}
	for i := range s.Gates {
		if err := s.Gates[i].parse(); err != nil {
			l.add(fmt.Sprintf("gates[%d]", i), "%v", err)
		}
	}
	return errors.Join(l.errs...)
}

var targetRe = regexp.MustCompile(`^(sut|lb|replica-[1-9][0-9]*)$`)

func validateSUT(l *locator, p string, s *SUT) {
	n := 0
	if s.Reference != nil {
		n++
		if m := s.Reference.Mode; m != "sync" && m != "async" {
			l.add(p+".reference.mode", "must be sync or async, got %q", m)
		}
		if r := s.Reference.Replicas; r < 1 || r > 16 {
			l.add(p+".reference.replicas", "must be 1..16, got %d", r)
		}
	}
	if im := s.Image; im != nil {
		n++
		if im.Name == "" && im.Build == "" {
			l.add(p+".image", "needs name (a local image) or build (a Dockerfile folder)")
		}
		if im.Port < 1 || im.Port > 65535 {
			l.add(p+".image.port", "must be 1..65535")
		}
		if !strings.HasPrefix(im.Health, "/") {
			l.add(p+".image.health", "must be a path starting with /")
		}
	}
	if s.URL != "" {
		n++
		if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
			l.add(p+".url", "must be an http:// or https:// URL, got %q", s.URL)
		}
	}
	if n != 1 {
		l.add(p, "needs exactly one of reference, image or url (got %d)", n)
	}
	if s.Network != "" && s.Network != "host" && s.Network != "bridge" {
		l.add(p+".network", "must be host or bridge, got %q", s.Network)
	}
	if r := s.Resources; r != nil && (r.CPUs < 0 || r.Memory < 0 || r.Pids < 0) {
		l.add(p+".resources", "limits must be >= 0")
	}
	if r := s.Resources; r != nil && r.Memory > 0 && r.Memory < 6<<20 {
		l.add(p+".resources.memory", "must be at least 6MiB (Docker's minimum)")
	}
	if rs := s.Restart; rs != nil && !slices.Contains([]string{"no", "on-failure", "always"}, rs.Policy) {
		l.add(p+".restart.policy", "must be no, on-failure or always, got %q", rs.Policy)
	}
}

// posError is an error at a YAML token; Parse reports its line and column.
type posError struct {
	tok *token.Token
	msg string
}

func (e *posError) Error() string          { return e.msg }
func (e *posError) GetToken() *token.Token { return e.tok }
func (e *posError) GetMessage() string     { return e.msg }

func scalar(n ast.Node) string {
	if t := n.GetToken(); t != nil {
		return t.Value
	}
	return strings.TrimSpace(n.String())
}

// UnmarshalYAML reads a duration such as "30s" or "1m30s".
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	s := scalar(n)
	v, err := time.ParseDuration(s)
	if err != nil {
		return &posError{n.GetToken(), fmt.Sprintf("invalid duration %q (want e.g. 30s, 1m30s, 500ms)", s)}
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string such as "30s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Duration(d).String())), nil
}

var sizeUnits = map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}

// ParseByteSize reads "256MiB", "1GiB", "512MB" or a plain byte count.
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	mul, ok := sizeUnits[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || v < 0 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 256MiB, 1GiB, 512MB)", s)
	}
	return ByteSize(v * float64(mul)), nil
}

// UnmarshalYAML reads a size such as "256MiB".
func (b *ByteSize) UnmarshalYAML(n ast.Node) error {
	v, err := ParseByteSize(scalar(n))
	if err != nil {
		return &posError{n.GetToken(), err.Error()}
	}
	*b = v
	return nil
}

// UnmarshalYAML reads a fixed number of records (a scalar) or a log-normal
// distribution {median, p99, max}.
func (d *Distribution) UnmarshalYAML(node ast.Node) error {
	if _, ok := node.(*ast.MappingNode); !ok {
		n, err := strconv.Atoi(scalar(node))
		if err != nil {
			return &posError{node.GetToken(), "records: want a number or {median, p99, max}"}
		}
		*d = Distribution{Fixed: n}
		return nil
	}
	var m struct {
		Median int `yaml:"median"`
		P99    int `yaml:"p99"`
		Max    int `yaml:"max"`
	}
	if err := yaml.NodeToValue(node, &m, yaml.Strict()); err != nil {
		return err
	}
	*d = Distribution{Median: m.Median, P99: m.P99, Max: m.Max}
	return nil
}

// UnmarshalYAML reads a gate expression; it is parsed by Validate.
func (g *Gate) UnmarshalYAML(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return err
	}
	g.Expr = s
	return nil
}
