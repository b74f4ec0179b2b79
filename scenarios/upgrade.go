package scenarios

import "time"

// Upgrade moves the running SUT to a candidate version under load
// (docs/upgrades.md): to a new SUT with a strategy (reference and image SUTs), or by the
// team's own deploy command, which may act on anything (a compose project,
// a staging host) — exactly one of To, Command or Shell.
type Upgrade struct {
	At       Duration `yaml:"at" json:"at"`
	To       SUT      `yaml:"to" json:"to"`
	Strategy Strategy `yaml:"strategy" json:"strategy"` // default rolling; with To only
	// Command is the deploy tool's argv, run without a shell from the
	// scenario's folder; a program with a slash is the file at that path
	// from the scenario's folder (Scenario.Program), a bare name is looked
	// up on $PATH. The cutover lasts until it exits and the service
	// answers again (Ready).
	Command []string `yaml:"command" json:"command,omitempty"`
	// Shell is a command line run by /bin/sh -c, when a pipe or a variable
	// is needed.
	Shell string `yaml:"shell" json:"shell,omitempty"`
	// Health is the path probed on the target after the command exits,
	// unless Ready.Path is set (then Ready's order applies).
	Health string `yaml:"health" json:"health,omitempty"`
	// Timeout bounds the command; default 5m.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// Ready is how the end of a deploy command's cutover is known: after
	// the command exited, the service answers (docs/upgrades.md).
	Ready *Ready `yaml:"ready" json:"ready,omitempty"`
}

// Ready is the wait after a deploy command: until Path answers 2xx (when
// set; else the first of upgrade.health, sut.health and the SUT's own
// health path, or any HTTP answer at the target), for at most Timeout
// (default DefaultReadyTimeout).
type Ready struct {
	Path    string   `yaml:"path" json:"path,omitempty"`
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// Reset is the command that restores a service you started (sut.url) to a
// known state before every run: argv, no shell, run from the scenario's
// folder, within Timeout (default DefaultUpgradeTimeout).
type Reset struct {
	Command []string `yaml:"command" json:"command"`
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// DefaultReadyTimeout bounds the wait for the service after a deploy
// command exited (upgrade.ready.timeout).
const DefaultReadyTimeout = 60 * time.Second

// Deploys reports whether the upgrade runs the team's own command.
func (u *Upgrade) Deploys() bool { return len(u.Command) > 0 || u.Shell != "" }

// Watch selects containers someone else started, for the crash watch of
// a service at sut.url: by label ("com.docker.compose.project=shop", or a
// label key alone) or by names. Health, when set, is probed for downtime.
type Watch struct {
	Label  string   `yaml:"label" json:"label,omitempty"`
	Names  []string `yaml:"names" json:"names,omitempty"`
	Health string   `yaml:"health" json:"health,omitempty"`
}

// Data is the callers' existing data and what the upgrade must not lose
// (README, "Your stack, your deploy, your data"): preloaded before the clock, read back after the upgrade
// and at the end, and — restorm: invalidated — the storm is then exactly the callers whose data was
// lost after the upgrade.
type Data struct {
	Preload *Preload    `yaml:"preload" json:"preload,omitempty"`
	Verify  DataVerify  `yaml:"verify" json:"verify,omitempty"`
	Restorm DataRestorm `yaml:"restorm" json:"restorm,omitempty"`
}

// Preload is every caller's existing data: Records records each, uploaded
// through the scenario's API and templates and waited for until done, at
// Rate callers per second (gently: it is the past, not the storm).
type Preload struct {
	Records int     `yaml:"records" json:"records"`
	Rate    float64 `yaml:"rate" json:"rate"` // default 100
	// Headers go on the preload's requests (its uploads and their status
	// polls), over api.headers.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
}

// DataVerify is when the callers' data is read back through api.verify:
// a list of points, written as one (verify: after_upgrade) or as a list
// (verify: [after_upgrade, end]). Empty: never.
type DataVerify []VerifyPoint

// VerifyPoint is one moment the data is read back.
type VerifyPoint string

// The verify points a scenario may name.
const (
	// VerifyAfterUpgrade reads back once the upgrade's cutover is over.
	VerifyAfterUpgrade VerifyPoint = "after_upgrade"
	// VerifyEnd reads back once the storm and its drain are over, so data
	// lost in later crashes is counted too.
	VerifyEnd VerifyPoint = "end"
)

// Has reports whether the data is read back at p.
func (d DataVerify) Has(p VerifyPoint) bool {
	for _, q := range d {
		if q == p {
			return true
		}
	}
	return false
}

// DataRestorm is which callers storm once the data was verified.
type DataRestorm string

// The restorm choices a scenario may name.
const (
	RestormAll         DataRestorm = "" // the scenario's callers, as without a data block
	RestormInvalidated DataRestorm = "invalidated"
)
