package scenarios

import (
	"fmt"
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
	if len(up.Command) > 0 && strings.TrimSpace(up.Command[0]) == "" {
		l.add("upgrade.command[0]", "must name the program to run")
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

func itoa(i int) string { return strconv.Itoa(i) }
