package scenarios

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// nameRe is what a scenario name may hold: it names the output folder.
var nameRe = regexp.MustCompile(`^[a-z0-9-]+$`)

// targetRe is what a fault may act on.
var targetRe = regexp.MustCompile(`^(` + vocab.FaultTargetSUT + `|` + vocab.FaultTargetLB + `|` + vocab.FaultTargetReplica + `[1-9][0-9]*)$`)

// validate reports every problem of s at once (errors.Join of *FieldError),
// each at the position l finds for its path. It runs after applyDefaults.
func (s *Scenario) validate(l *locator) error {
	if !nameRe.MatchString(s.Name) {
		l.add("name", "required, lowercase letters, digits and dashes ([a-z0-9-]+), got %q", s.Name)
	}
	if s.Expect != vocab.ExpectPass && s.Expect != vocab.ExpectFail {
		l.add("expect", "must be pass or fail, got %q", s.Expect)
	}
	validateSUT(l, "sut", &s.SUT)
	s.validateTLS(l)
	s.validateOwnService(l)
	s.validateUpgrade(l)
	s.validateData(l)
	s.API.validate(l, s.Callers)
	s.Callers.validate(l)
	s.Arrival.validate(l)
	if s.Run.MaxDuration <= 0 {
		l.add("run.max_duration", "must be > 0")
	}
	if s.Run.DrainTimeout < 0 {
		l.add("run.drain_timeout", "must be >= 0")
	}
	s.validateFaults(l)
	s.validateGates(l)
	s.validateCompare(l)
	s.validateTraffic(l)
	s.validatePeriodic(l)
	s.validateUploads(l)
	if s.Callers.From != nil && s.Traffic != nil {
		l.add("callers.from", "a replay's callers are the trace's: callers.from and traffic cannot go together")
	}
	s.validateTemplates(l, os.LookupEnv)
	validateHeaderNames(l, "api.upload.headers", s.API.Upload.Headers)
	return errors.Join(l.errs...)
}

// MaxCallers bounds callers.count: a storm holds about 70 bytes a caller
// (docs/performance.md), so ten million fit in a process.
const MaxCallers = 10_000_000

// validateGates parses every gate and signature condition, and checks that
// a per-class one (gave_up[erp]) names a class of this scenario.
func (s *Scenario) validateGates(l *locator) {
	names := s.Callers.ClassNames()
	check := func(p string, g *Gate) {
		if g.mapping {
			p += ".gate"
		}
		// A problem of a window points at its text, else at the gate.
		at := func(format string, args ...any) {
			if i := strings.IndexByte(g.Expr, '['); i >= 0 && isWindow(bracketText(g.Expr[i+1:])) {
				l.addAt(p, i+1, fmt.Sprintf(format, args...))
				return
			}
			l.add(p, format, args...)
		}
		if err := g.parse(); err != nil {
			at("%v", err)
			return
		}
		if msg := s.checkWindow(g.window); msg != "" {
			at("gate %q: %s", g.Expr, msg)
			return
		}
		if c := g.Class(); c != "" && !slices.Contains(names, c) {
			hint := "classes: " + strings.Join(names, ", ")
			if sg := suggest(c, names); sg != "" {
				hint = fmt.Sprintf("did you mean %q?", sg)
			}
			l.add(p, "gate %q: no caller class %q (%s)", g.Expr, c, hint)
		}
	}
	for i := range s.Gates {
		check(fmt.Sprintf("gates[%d]", i), &s.Gates[i])
	}
	for i := range s.Signature {
		check(fmt.Sprintf("signature[%d]", i), &s.Signature[i])
		if s.Signature[i].Abort {
			l.add(fmt.Sprintf("signature[%d].abort", i), "abort is for gates: a signature condition never stops the storm")
		}
	}
	for i, g := range s.Gates {
		if msg := abortProblem(g); msg != "" {
			l.add(fmt.Sprintf("gates[%d].abort", i), "%s", msg)
		}
	}
}

// validate checks the population, its retry policy and its classes.
func (c Callers) validate(l *locator) {
	// A callers.from that could not be read is reported already; the count
	// it would have set is not a second problem.
	unread := c.From != nil && c.From.table == nil && c.Count == 0
	if !unread && (c.Count < 1 || c.Count > MaxCallers) {
		l.add("callers.count", "must be 1..%d, got %d", MaxCallers, c.Count)
	}
	validateRecords(l, "callers.records", c.Records)
	validateRecordBytes(l, "callers.record_bytes", c.RecordBytes)
	if c.Timeout <= 0 {
		l.add("callers.timeout", "must be > 0")
	}
	c.Retry.validate(l, "callers.retry", c.Retry)
	c.validateClasses(l)
}

// validateRecords checks a records distribution at path p.
func validateRecords(l *locator, p string, d Distribution) {
	switch {
	case d.Fixed < 0:
		l.add(p, "must be > 0")
	case d.Fixed == 0 && (d.Median < 1 || d.P99 < d.Median || d.Max < d.P99):
		l.add(p, "needs median >= 1, p99 >= median and max >= p99 (got median %d, p99 %d, max %d)", d.Median, d.P99, d.Max)
	}
}

// validateRecordBytes checks a record size at path p: at least 16 bytes,
// at most the 1 MiB arena payloads are views onto.
func validateRecordBytes(l *locator, p string, n int) {
	if n < 16 || n > arenaSize {
		l.add(p, "must be 16..%d, got %d", arenaSize, n)
	}
}

// validate checks a retry policy found at path p, field by field as
// written: a zero field is one left out (the top-level policy's are
// defaulted already; a class's take the top-level values), so only what is
// set is checked. merged is the policy in force, for the rules between
// fields (max >= base).
func (r Retry) validate(l *locator, p string, merged Retry) {
	if r.Attempts < 0 || r.Attempts > 100 {
		l.add(p+".attempts", "must be 1..100 (1 = no retry), got %d", r.Attempts)
	}
	if r.Backoff != "" && !slices.Contains([]Backoff{BackoffNone, BackoffConstant, BackoffExponential}, r.Backoff) {
		l.add(p+".backoff", "must be none, constant or exponential, got %q", r.Backoff)
	}
	if r.Jitter != "" && !slices.Contains([]Jitter{JitterNone, JitterFull, JitterEqual}, r.Jitter) {
		l.add(p+".jitter", "must be none, full or equal, got %q", r.Jitter)
	}
	if r.Base < 0 {
		l.add(p+".base", "must be >= 0")
	} else if merged.Max < merged.Base {
		l.add(p+".max", "must be >= base (%s), got %s", merged.Base.D(), merged.Max.D())
	}
	for i, on := range r.On {
		if !slices.Contains(vocab.RetryOn, on) {
			l.add(fmt.Sprintf("%s.on[%d]", p, i), "unknown class %q (timeout, 5xx, 429, 4xx, conn, other)", on)
		}
	}
	if r.RetryAfter != "" && r.RetryAfter != RetryAfterHonor && r.RetryAfter != RetryAfterIgnore {
		l.add(p+".retry_after", "must be honor or ignore, got %q", r.RetryAfter)
	}
	if b := r.Budget; b.Set && !(b.Ratio >= 0 && b.Ratio <= 10) {
		l.add(p+".budget", "must be 0..10 (retries per first attempt: 0.2 lets retries add 20%%) or none, got %g", b.Ratio)
	}
	if br := r.Breaker; br != nil {
		if br.Failures < 1 {
			l.add(p+".breaker.failures", "must be >= 1 (failed attempts in a row that open the breaker), got %d", br.Failures)
		}
		if br.Open <= 0 {
			l.add(p+".breaker.open", "must be > 0 (how long an open breaker sends nothing)")
		}
	}
}

// classNameRe is what a caller class may be called: it names report keys
// and gate variables (gave_up[erp]).
var classNameRe = regexp.MustCompile(`^[a-z0-9_-]+$`)

// validateClasses checks each caller class as written (a zero field is
// one left out, taken from the top level) and that the weights leave some
// class with callers.
func (c Callers) validateClasses(l *locator) {
	if len(c.Classes) > MaxClasses {
		l.add("callers.classes", "at most %d classes, got %d", MaxClasses, len(c.Classes))
	}
	plans := c.ClassPlans()
	first := map[string]int{}
	total, weightsOK := 0.0, true
	for i, cl := range c.Classes {
		p := fmt.Sprintf("callers.classes[%d]", i)
		if j, dup := first[cl.Name]; dup {
			l.add(p+".name", "%q is the name of callers.classes[%d] already", cl.Name, j)
		} else {
			first[cl.Name] = i
			if !classNameRe.MatchString(cl.Name) {
				l.add(p+".name", "required, lowercase letters, digits, _ and - ([a-z0-9_-]+), got %q", cl.Name)
			}
		}
		if !(cl.Weight >= 0) || math.IsInf(cl.Weight, 0) {
			l.add(p+".weight", "must be a number >= 0, got %g", cl.Weight)
			weightsOK = false
		} else {
			total += cl.Weight
		}
		if cl.Records != (Distribution{}) {
			validateRecords(l, p+".records", cl.Records)
		}
		if cl.RecordBytes != 0 {
			validateRecordBytes(l, p+".record_bytes", cl.RecordBytes)
		}
		if cl.Timeout < 0 {
			l.add(p+".timeout", "must be > 0")
		}
		if cl.Retry != nil {
			cl.Retry.validate(l, p+".retry", plans[i].Retry)
		}
	}
	if len(c.Classes) > 0 && weightsOK && total == 0 {
		l.add("callers.classes", "the weights sum to 0: give at least one class a weight > 0")
	}
}

// validate checks that the profile has what it needs: a window or a rate.
func (a Arrival) validate(l *locator) {
	if len(a.Steps) > 0 && a.Profile != ProfileSteps {
		l.add("arrival.steps", "only with profile steps, got profile %s", a.Profile)
	}
	switch a.Profile {
	case ProfileSteps:
		a.validateSteps(l)
	case vocab.ProfileBurst, vocab.ProfileRamp:
		if a.Window <= 0 {
			l.add("arrival.window", "must be > 0 for profile %s", a.Profile)
		}
	case vocab.ProfileConstant:
		if a.Rate <= 0 {
			l.add("arrival.rate", "must be > 0 callers per second for profile constant")
		}
	case vocab.ProfilePoisson:
		if a.Rate <= 0 && a.Window <= 0 {
			l.add("arrival.rate", "poisson needs a rate (callers per second) or a window")
		}
	default:
		l.add("arrival.profile", "must be burst, ramp, poisson, constant or steps, got %q", a.Profile)
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
		if m := s.Reference.Mode; !slices.Contains(vocab.Modes, m) {
			l.add(p+".reference.mode", "must be sync, async, team (the team-shaped example API) or flow (multipart uploads behind a login), got %q", m)
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
		validateSandbox(l, p+".image", im)
		if im.Replicas < 1 || im.Replicas > 16 {
			l.add(p+".image.replicas", "must be 1..16, got %d", im.Replicas)
		} else if im.Replicas > 1 && s.Network == vocab.NetworkHost {
			l.add(p+".image.replicas", "replicas of an image need network: bridge (on the host network they would all listen on port %d)", im.Port)
		}
	}
	if s.URL != "" {
		n++
		if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
			l.add(p+".url", "must be an http:// or https:// URL, got %q", s.URL)
		}
	}
	if w := s.Watch; w != nil {
		validateWatch(l, p+".watch", w, s.URL != "")
	}
	if s.TLS != nil && p != "sut" {
		l.add(p+".tls", "is the target's: set it on sut.tls (every request goes to the target)")
	}
	if n != 1 {
		l.add(p, "needs exactly one of reference, image or url (got %d)", n)
	}
	validateContainer(l, p, s)
}

// validateContainer checks the network, limits and restart policy.
func validateContainer(l *locator, p string, s *SUT) {
	if s.Network != "" && s.Network != vocab.NetworkHost && s.Network != vocab.NetworkBridge {
		l.add(p+".network", "must be host or bridge, got %q", s.Network)
	}
	if r := s.Resources; r != nil && (r.CPUs < 0 || r.Memory < 0 || r.Pids < 0) {
		l.add(p+".resources", "limits must be >= 0")
	}
	if r := s.Resources; r != nil && r.Memory > 0 && r.Memory < 6<<20 {
		l.add(p+".resources.memory", "must be at least 6MiB (Docker's minimum)")
	}
	if rs := s.Restart; rs != nil && !slices.Contains(vocab.RestartPolicies, rs.Policy) {
		l.add(p+".restart.policy", "must be no, on-failure or always, got %q", rs.Policy)
	}
}
