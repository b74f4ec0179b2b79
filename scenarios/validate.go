package scenarios

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// nameRe is what a scenario name may hold: it names the output folder.
var nameRe = regexp.MustCompile(`^[a-z0-9-]+$`)

// targetRe is what a fault may act on.
var targetRe = regexp.MustCompile(`^(sut|lb|replica-[1-9][0-9]*)$`)

// validate reports every problem of s at once (errors.Join of *FieldError),
// each at the position l finds for its path. It runs after applyDefaults.
func (s *Scenario) validate(l *locator) error {
	if !nameRe.MatchString(s.Name) {
		l.add("name", "required, lowercase letters, digits and dashes ([a-z0-9-]+), got %q", s.Name)
	}
	if s.Expect != "pass" && s.Expect != "fail" {
		l.add("expect", "must be pass or fail, got %q", s.Expect)
	}
	validateSUT(l, "sut", &s.SUT)
	if up := s.Upgrade; up != nil {
		validateSUT(l, "upgrade.to", &up.To)
		if up.Strategy != StrategyRolling && up.Strategy != StrategyRecreate {
			l.add("upgrade.strategy", "must be rolling or recreate, got %q", up.Strategy)
		}
		if up.At < 0 {
			l.add("upgrade.at", "must be >= 0")
		}
	}
	s.API.validate(l)
	s.Callers.validate(l)
	s.Arrival.validate(l)
	if s.Run.MaxDuration <= 0 {
		l.add("run.max_duration", "must be > 0")
	}
	if s.Run.DrainTimeout < 0 {
		l.add("run.drain_timeout", "must be >= 0")
	}
	s.validateFaults(l)
	for i := range s.Gates {
		if err := s.Gates[i].parse(); err != nil {
			l.add(fmt.Sprintf("gates[%d]", i), "%v", err)
		}
	}
	for i := range s.Signature {
		if err := s.Signature[i].parse(); err != nil {
			l.add(fmt.Sprintf("signature[%d]", i), "%v", err)
		}
	}
	return errors.Join(l.errs...)
}

// validate checks the request lines and the completion mode.
func (a API) validate(l *locator) {
	if m, p := a.Upload.Method, a.Upload.Path; !slices.Contains([]string{"POST", "PUT", "PATCH"}, m) || !strings.HasPrefix(p, "/") || !strings.Contains(p, "{caller}") {
		l.add("api.upload", `must be "METHOD /path" with METHOD POST, PUT or PATCH and {caller} in the path or query, got %q`, m+" "+p)
	}
	if m, p, ok := strings.Cut(a.List, " "); a.List != "" && (!ok || m != "GET" || !strings.Contains(p, "{caller}")) {
		l.add("api.list", `must be "GET /path" with {caller} in it, got %q`, a.List)
	}
	switch a.Completion {
	case CompletionAuto, CompletionLocation, CompletionNone:
	case CompletionBody:
		l.add("api.completion", "body is not supported yet (reading the upload's id from the answer); use auto, location or none")
	default:
		l.add("api.completion", "must be auto, location or none, got %q", a.Completion)
	}
}

// validate checks the population and its retry policy.
func (c Callers) validate(l *locator) {
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
	c.Retry.validate(l, "callers.retry")
}

// validate checks a retry policy found at path p.
func (r Retry) validate(l *locator, p string) {
	if r.Attempts < 1 || r.Attempts > 100 {
		l.add(p+".attempts", "must be 1..100 (1 = no retry), got %d", r.Attempts)
	}
	if !slices.Contains([]Backoff{BackoffNone, BackoffConstant, BackoffExponential}, r.Backoff) {
		l.add(p+".backoff", "must be none, constant or exponential, got %q", r.Backoff)
	}
	if !slices.Contains([]Jitter{JitterNone, JitterFull, JitterEqual}, r.Jitter) {
		l.add(p+".jitter", "must be none, full or equal, got %q", r.Jitter)
	}
	if r.Base < 0 || r.Max < r.Base {
		l.add(p+".max", "must be >= base")
	}
	for i, on := range r.On {
		if !slices.Contains([]string{"timeout", "5xx", "429", "4xx", "conn", "other"}, on) {
			l.add(fmt.Sprintf("%s.on[%d]", p, i), "unknown class %q (timeout, 5xx, 429, 4xx, conn, other)", on)
		}
	}
}

// validate checks that the profile has what it needs: a window or a rate.
func (a Arrival) validate(l *locator) {
	switch a.Profile {
	case "burst", "ramp":
		if a.Window <= 0 {
			l.add("arrival.window", "must be > 0 for profile %s", a.Profile)
		}
	case "constant":
		if a.Rate <= 0 {
			l.add("arrival.rate", "must be > 0 callers per second for profile constant")
		}
	case "poisson":
		if a.Rate <= 0 && a.Window <= 0 {
			l.add("arrival.rate", "poisson needs a rate (callers per second) or a window")
		}
	default:
		l.add("arrival.profile", "must be burst, ramp, poisson or constant, got %q", a.Profile)
	}
}

// faultActions are the actions validate accepts, in the order of the docs.
var faultActions = []FaultAction{FaultKill, FaultStop, FaultStart, FaultRestart, FaultPause, FaultUnpause}

// validateFaults checks each fault, and that the SUT is one rehearse
// starts: a service at sut.url has no container to act on.
func (s *Scenario) validateFaults(l *locator) {
	for i, f := range s.Faults {
		p := fmt.Sprintf("faults[%d]", i)
		if !slices.Contains(faultActions, f.Action) {
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
}

// validateSUT checks the SUT at path p: exactly one kind, and the settings
// of that kind and of its container.
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
	validateContainer(l, p, s)
}

// validateContainer checks the network, limits and restart policy.
func validateContainer(l *locator, p string, s *SUT) {
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
