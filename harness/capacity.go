package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/capacity"
	"github.com/rehearse-dev/rehearse/internal/atomicfile"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Capacity output files, beside the probes/ folder.
const (
	CapacityJSON = "capacity.json"
	CapacityHTML = "capacity.html"
	CapacityMD   = "capacity.md"
)

// CapacityOptions configure Capacity (docs/capacity.md). Run holds what
// every probe's rehearsal shares (Out, Runtime, RunID, Seed, Logf).
type CapacityOptions struct {
	Run       Options
	By        string  // reports.ByCallers (default) | reports.ByRate
	From      int     // 0: the scenario's level / 4
	Max       int     // 0: none
	Precision float64 // required: 0.05 stops when the bracket is within 5%
	Repeat    int     // 3
	Budget    time.Duration
	// CoolDown is the pause between probes, so the machine (and a service
	// the team started) settles; the SUT itself is fresh every probe.
	CoolDown time.Duration
	// QuietPorts is how many sockets to the target may still be in
	// TIME_WAIT before the next probe starts (each holds an ephemeral
	// port); QuietWait bounds the wait for them.
	QuietPorts int
	QuietWait  time.Duration
	// OnProbe is told before each probe starts (the CLI's progress line).
	OnProbe func(capacity.Progress)
	// RecoverAt is the share of the capacity the offered load drops to
	// in the recovery probe (0.5), RecoverFor how long it stays there;
	// 0 runs no recovery probe (capacityrecovery.go).
	RecoverAt  float64
	RecoverFor time.Duration
}

// Progress is the search as it stands before a probe.
type Progress = capacity.Progress

func (o *CapacityOptions) defaults(sc *scenarios.Scenario) {
	o.Run.defaults()
	if o.By == "" {
		o.By = reports.ByCallers
	}
	if o.From == 0 {
		o.From = max(1, ScenarioLevel(sc, o.By)/4)
	}
	if o.Repeat == 0 {
		o.Repeat = 3
	}
	if o.QuietPorts == 0 {
		o.QuietPorts = quietLimit()
	}
	if o.QuietWait == 0 {
		o.QuietWait = 90 * time.Second
	}
	if o.RecoverAt == 0 {
		o.RecoverAt = 0.5
	}
}

// ErrCapacityRefused matches (errors.Is) the refusal of a capacity search
// that cannot be run as asked; the error's message is one sentence saying
// why, and nothing else.
var ErrCapacityRefused = errors.New("capacity search refused")

type refusal struct{ msg string }

func (r refusal) Error() string        { return r.msg }
func (r refusal) Is(target error) bool { return target == ErrCapacityRefused }

// CheckCapacity refuses, before anything starts, a search that cannot
// answer: nothing to pass (no gates), a level that cannot be varied, a
// service that cannot be made fresh for every probe, bad bounds.
func CheckCapacity(sc *scenarios.Scenario, o CapacityOptions) error {
	refuse := func(format string, args ...any) error {
		return refusal{fmt.Sprintf(format, args...)}
	}
	p := sc.Arrival.Profile
	from := o.From
	if from == 0 {
		from = max(1, ScenarioLevel(sc, o.By)/4)
	}
	switch {
	case o.By != "" && o.By != reports.ByCallers && o.By != reports.ByRate:
		return refuse("--by must be callers or rate, got %q", o.By)
	case len(sc.Gates) == 0:
		return refuse("%s has no gates: capacity is the largest level at which every gate holds, so the scenario needs at least one (gates: [\"p99_ms < 2000\"])", sc.Name)
	case sc.Traffic != nil && sc.Traffic.Replay != "":
		return refuse("%s replays a trace (traffic.replay): its callers and their times come from the log and cannot be scaled to a level", sc.Name)
	case o.By == reports.ByRate && p != "constant" && p != "poisson":
		return refuse("--by rate needs a constant or poisson arrival, and %s arrives as a %s: use --by callers (denser storms in the same window)", sc.Name, p)
	case sc.SUT.URL != "" && sc.SUT.Reset == nil:
		return refuse("%s is a service you started (sut.url) without sut.reset: every probe needs a fresh service, so give sut.reset.command (docs/upgrades.md)", sc.Name)
	case o.Precision <= 0 || o.Precision >= 1:
		return refuse("--precision must be above 0%% and below 100%%, got %g%%", 100*o.Precision)
	case o.From < 0 || o.Max < 0:
		return refuse("--from and --max must be at least 1")
	case o.Max > 0 && o.Max < from:
		return refuse("--max %d is below --from %d (the default --from is the scenario's own level / 4)", o.Max, from)
	case o.Repeat < 0:
		return refuse("--repeat must be at least 1, got %d", o.Repeat)
	case o.Budget < 0:
		return refuse("--budget must not be negative, got %s", o.Budget)
	case o.RecoverAt < 0 || o.RecoverAt >= 1:
		return refuse("--recover-at must be above 0%% and below 100%% of the capacity, got %g%%", 100*o.RecoverAt)
	case o.RecoverFor < 0 || o.RecoverFor > 0 && o.RecoverFor < recoveredHold*time.Second:
		return refuse("--recover-for must be at least %ds (recovery is goodput held %d s), or 0 for no recovery probe, got %s", recoveredHold, recoveredHold, o.RecoverFor)
	case p == scenarios.ProfileSteps:
		return refuse("%s arrives in steps: its load is its steps, not one level; search a burst, ramp, poisson or constant arrival", sc.Name)
	case len(sc.Callers.Uploads) > 0:
		return refuse("%s has callers that upload several times (callers.uploads): its load is their uploads' curve, not a count of callers to grow; search a scenario whose callers upload once", sc.Name)
	}
	return nil
}

// ScenarioLevel is sc's own level by by: its callers, or its arrival
// rate (callers per second).
func ScenarioLevel(sc *scenarios.Scenario, by string) int {
	if by == reports.ByRate {
		return int(math.Round(arrivalRate(sc)))
	}
	return sc.Callers.Count
}

// arrivalRate is callers per second of a constant or poisson arrival.
func arrivalRate(sc *scenarios.Scenario) float64 {
	if sc.Arrival.Rate > 0 {
		return sc.Arrival.Rate
	}
	if w := sc.Arrival.Window.D().Seconds(); w > 0 {
		return float64(sc.Callers.Count) / w
	}
	return 0
}

// atLevel is sc as one probe runs it: by callers, level callers in the
// same arrival window (a denser storm); by rate, level callers a second
// for as long as the scenario's arrival lasts. Its expect and signature
// are dropped: the search asks whether every gate held, not whether a
// demonstration reproduced.
func atLevel(sc *scenarios.Scenario, by string, level int) *scenarios.Scenario {
	cp := *sc
	cp.Expect, cp.Signature = "", nil
	if by == reports.ByRate {
		span := float64(sc.Callers.Count) / arrivalRate(sc)
		cp.Arrival.Rate = float64(level)
		cp.Arrival.Window = scenarios.Duration(span * float64(time.Second))
		cp.Callers.Count = max(1, int(math.Round(span*float64(level))))
		return &cp
	}
	cp.Callers.Count = level
	return &cp
}

// Capacity searches sc's capacity (docs/capacity.md) with a full
// rehearsal on a fresh SUT per probe, under o.Run.Out/probes/, and writes
// capacity.{json,html,md} into o.Run.Out — also when it was interrupted
// or a probe failed, with every probe that finished.
func Capacity(ctx context.Context, sc *scenarios.Scenario, o CapacityOptions) (*reports.Capacity, error) {
	if err := CheckCapacity(sc, o); err != nil {
		return nil, err
	}
	o.defaults(sc)
	pr := &prober{sc: sc, o: o}
	c, err := capacity.Search(ctx, capacity.Config{
		Scenario: sc.Name, By: o.By, From: o.From, Max: o.Max, Precision: o.Precision,
		Repeat: o.Repeat, Budget: o.Budget, OnProbe: o.OnProbe,
	}, pr.probe)
	if err == nil && ctx.Err() == nil && o.RecoverFor > 0 {
		err = pr.recover(ctx, c)
		if ctx.Err() != nil {
			err = nil // interrupted: the answer so far is written
		}
	}
	if pr.note != "" {
		c.Notes = append(c.Notes, pr.note)
	}
	if werr := WriteCapacity(o.Run.Out, c); werr != nil {
		return c, errors.Join(err, werr)
	}
	return c, err
}

// WriteCapacity writes capacity.json, capacity.html and capacity.md of c
// into dir.
func WriteCapacity(dir string, c *reports.Capacity) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for name, write := range map[string]func(io.Writer) error{
		CapacityJSON: func(w io.Writer) error { return reports.WriteCapacityJSON(w, c) },
		CapacityHTML: func(w io.Writer) error { return views.WriteCapacityHTML(w, c) },
		CapacityMD:   func(w io.Writer) error { return views.WriteCapacityMarkdown(w, c) },
	} {
		if err := atomicfile.Write(filepath.Join(dir, name), write); err != nil {
			return err
		}
	}
	return nil
}

// WriteCapacityComparison writes capacity-compare.json and
// capacity-compare.md of a baseline/candidate search into dir.
func WriteCapacityComparison(dir string, c *reports.CapacityComparison) error {
	err := atomicfile.Write(filepath.Join(dir, "capacity-compare.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	})
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "capacity-compare.md"), func(w io.Writer) error {
		return views.WriteCapacityComparisonMarkdown(w, c)
	})
}
