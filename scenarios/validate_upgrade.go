package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// defaults fills the strategy of an upgrade to a new SUT and the timeout
// of a deploy command.
func (u *Upgrade) defaults() {
	if u.To.set() {
		u.To.defaults()
		if u.Strategy == "" {
			u.Strategy = StrategyRolling
		}
	}
	if u.Timeout == 0 {
		u.Timeout = Duration(DefaultUpgradeTimeout)
	}
	if u.Ready != nil && u.Ready.Timeout == 0 {
		u.Ready.Timeout = Duration(DefaultReadyTimeout)
	}
}

// set reports whether any kind of SUT is named.
func (s *SUT) set() bool { return s.Reference != nil || s.Image != nil || s.URL != "" }

// validateUpgrade checks the upgrade block: exactly one of to, command and
// shell; a strategy for to; a health path that is a path.
func (s *Scenario) validateUpgrade(l *locator) {
	up := s.Upgrade
	if up == nil {
		return
	}
	n := 0
	for _, set := range []bool{up.To.set(), len(up.Command) > 0, up.Shell != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		l.add("upgrade", "needs exactly one of to (a new SUT), command (your deploy tool's argv) or shell (a command line), got %d", n)
	}
	if up.To.set() {
		validateSUT(l, "upgrade.to", &up.To)
		if up.Strategy != StrategyRolling && up.Strategy != StrategyRecreate {
			l.add("upgrade.strategy", "must be rolling or recreate, got %q", up.Strategy)
		}
	} else if up.Strategy != "" {
		l.add("upgrade.strategy", "applies to an upgrade with to; a deploy command upgrades its own way")
	}
	if len(up.Command) > 0 {
		s.checkProgram(l, "upgrade.command[0]", up.Command[0])
	}
	if r := up.Ready; r != nil {
		if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
			l.add("upgrade.ready.path", "must be a path starting with /, got %q", r.Path)
		}
		if r.Timeout <= 0 || r.Timeout.D() > 24*time.Hour {
			l.add("upgrade.ready.timeout", "must be > 0 and at most 24h")
		}
		if !up.Deploys() {
			l.add("upgrade.ready", "applies to a deploy command (command or shell); an upgrade with to waits for the new SUT's health itself")
		}
	}
	if up.Health != "" && !strings.HasPrefix(up.Health, "/") {
		l.add("upgrade.health", "must be a path starting with /, got %q", up.Health)
	}
	if up.At < 0 {
		l.add("upgrade.at", "must be >= 0")
	}
	if up.Timeout < 0 || up.Timeout.D() > 24*time.Hour {
		l.add("upgrade.timeout", "must be 0..24h")
	}
}

// validateData checks the data block and what it needs: a preload before
// anything is verified, an upgrade and api.verify to verify after, and a
// verify before a restorm of the invalidated callers.
func (s *Scenario) validateData(l *locator) {
	d := s.Data
	if d == nil {
		return
	}
	if p := d.Preload; p != nil {
		if p.Records < 1 || p.Records > 1_000_000 {
			l.add("data.preload.records", "must be 1..1000000 records per caller, got %d", p.Records)
		}
		if p.Rate <= 0 {
			l.add("data.preload.rate", "must be > 0 callers per second")
		}
	}
	s.validateVerifyPoints(l, d.Verify)
	switch d.Restorm {
	case RestormAll:
	case RestormInvalidated:
		if !d.Verify.Has(VerifyAfterUpgrade) {
			l.add("data.restorm", "invalidated needs data.verify: after_upgrade: the invalidated callers are found by reading the data back after the upgrade")
		}
	default:
		l.add("data.restorm", "must be invalidated (or left out: every caller storms), got %q", d.Restorm)
	}
}

// validateVerifyPoints checks data.verify: known points, each once, and
// what reading back needs (a preload, api.verify, an upgrade to read back
// after).
func (s *Scenario) validateVerifyPoints(l *locator, v DataVerify) {
	if len(v) == 0 {
		return
	}
	seen := map[VerifyPoint]bool{}
	for i, p := range v {
		at := "data.verify"
		if len(v) > 1 {
			at = fmt.Sprintf("data.verify[%d]", i)
		}
		switch {
		case p != VerifyAfterUpgrade && p != VerifyEnd:
			l.add(at, "must be after_upgrade or end, got %q", p)
		case seen[p]:
			l.add(at, "%s is named twice", p)
		case p == VerifyAfterUpgrade && s.Upgrade == nil:
			l.add(at, "after_upgrade needs an upgrade block")
		}
		seen[p] = true
	}
	if s.Data.Preload == nil {
		l.add("data.verify", "needs data.preload: only preloaded data can be checked")
	}
	if s.API.Verify == nil {
		l.add("data.verify", `needs api.verify: {path: "/.../{caller}/records", ids_field: "records[].id"} to read a caller's data back`)
	}
}

// validateWatch checks a watch of containers someone else started: only
// with url (rehearse watches what it starts itself), by a label or names.
func validateWatch(l *locator, p string, w *Watch, url bool) {
	if !url {
		l.add(p, "watches containers you started, with sut.url; rehearse already watches the containers it starts")
	}
	if (w.Label == "") == (len(w.Names) == 0) {
		l.add(p, `needs exactly one of label ("com.docker.compose.project=shop") or names ([api-1])`)
	}
	for i, n := range w.Names {
		if strings.TrimSpace(n) == "" {
			l.add(p+".names["+itoa(i)+"]", "must not be empty")
		}
	}
	if w.Health != "" && !strings.HasPrefix(w.Health, "/") {
		l.add(p+".health", "must be a path starting with /, got %q", w.Health)
	}
}

// validateOwnService checks what belongs to a service you started
// (sut.url): its health path and its reset command.
func (s *Scenario) validateOwnService(l *locator) {
	if h := s.SUT.Health; h != "" {
		if !strings.HasPrefix(h, "/") {
			l.add("sut.health", "must be a path starting with /, got %q", h)
		}
		if s.SUT.URL == "" {
			l.add("sut.health", "applies to sut.url; an image has image.health and the reference services their own")
		}
	}
	r := s.SUT.Reset
	if r == nil {
		return
	}
	if s.SUT.URL == "" {
		l.add("sut.reset", "applies to a service you started (sut.url); rehearse starts every image and reference service fresh for each run")
	}
	if len(r.Command) == 0 {
		l.add("sut.reset.command", `needs the program to run and its arguments, e.g. ["./reset.sh"]`)
	} else {
		s.checkProgram(l, "sut.reset.command[0]", r.Command[0])
	}
	if r.Timeout < 0 || r.Timeout.D() > 24*time.Hour {
		l.add("sut.reset.timeout", "must be 0..24h")
	}
}

// checkProgram reports at path when prog cannot be run: a path with a
// slash (./stack.sh, scripts/deploy.sh) is resolved against the
// scenario's folder and must be an executable file; a bare name
// (docker) must be found on $PATH. Where the scenario was not read from a
// file on disk its folder is unknown, and only an empty name is reported:
// the run checks again before the storm.
func (s *Scenario) checkProgram(l *locator, path, prog string) {
	if strings.TrimSpace(prog) == "" {
		l.add(path, "must name the program to run")
		return
	}
	if st, err := os.Stat(s.File); err != nil || !st.Mode().IsRegular() {
		return
	}
	if err := s.CheckProgram(prog); err != nil {
		l.add(path, "%v", err)
	}
}

// CheckProgram reports why prog, as written in the scenario, cannot be
// run where Program resolves it: not found, a folder, or not executable.
func (s *Scenario) CheckProgram(prog string) error {
	abs := s.Program(prog)
	_, err := exec.LookPath(abs)
	if err == nil {
		return nil
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in the message
	}
	where := ""
	if abs != prog {
		where = " (" + abs + ")"
	}
	if st, serr := os.Stat(abs); serr == nil && st.Mode().IsRegular() && st.Mode()&0o111 == 0 {
		return fmt.Errorf("cannot run %s%s: not executable (chmod +x %s)", prog, where, prog)
	}
	return fmt.Errorf("cannot run %s%s: %w", prog, where, err)
}

// Dir is the folder the scenario's relative paths are resolved against:
// the scenario file's ("." for a built-in or one without a file).
func (s *Scenario) Dir() string {
	if s.File == "" || strings.HasPrefix(s.File, "builtin:") {
		return "."
	}
	return filepath.Dir(s.File)
}

// Program is prog as it will be run: a path with a slash, when relative,
// made absolute against the scenario's folder (Dir), so ./stack.sh is the
// script beside the scenario wherever rehearse was started; a bare name
// is left for $PATH.
func (s *Scenario) Program(prog string) string {
	if !strings.Contains(prog, "/") || filepath.IsAbs(prog) {
		return prog
	}
	p := filepath.Join(s.Dir(), prog)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func itoa(i int) string { return strconv.Itoa(i) }
