package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

const capacityLong = `capacity searches the largest level at which every gate of SCENARIO holds
(its expect and signature are ignored): callers.count in the same arrival
window (--by callers, denser storms), or the arrival rate of a constant or
poisson arrival (--by rate). It doubles the level from --from until a probe
fails (or --max), then bisects until [highest pass, lowest fail] is within
--precision, and runs the last two levels --repeat times: a level passes only
when every run of it passed. Then a recovery probe storms at the first failing
level and drops the load to --recover-at of the capacity for --recover-for:
how soon goodput holds 95% of the offered load again (or "did not recover").
Each probe is a full rehearsal on a fresh SUT (containers started anew; a
sut.url is reset with its sut.reset), after a
cool-down and once the last probe's ports have left TIME_WAIT. A probe whose
generator saturated or failed is invalid, never a fail: it is run again once,
and if the generator is the limit the answer says so.

It writes DIR/capacity.{json,html,md} and each probe's run folder under
DIR/probes/. Exit 0 when a capacity was found, 1 when none passed or it is
below --min (or, with --baseline/--candidate, the candidate's is lower beyond
the precision), 2 for bad input, 130 interrupted (the answer so far is written).
See docs/capacity.md.`

// capacityFlags are the flags of rehearse capacity.
type capacityFlags struct {
	by, precision, out, runtime  string
	from, max, min, repeat       int
	budget, coolDown, recoverFor time.Duration
	recoverAt                    string
	seed                         int64
	baseline, candidate          string
}

// capacityCmd is `rehearse capacity`: how much load the service takes
// before a gate fails, and how it fails.
func (a *app) capacityCmd() *cobra.Command {
	var f capacityFlags
	c := &cobra.Command{
		Use:   "capacity [flags] SCENARIO",
		Short: "Search the largest load at which every gate holds, and how the service fails above it",
		Long:  capacityLong,
		Example: `  rehearse capacity storm-sync
  rehearse capacity --by rate --precision 10% --budget 10m my.yaml
  rehearse capacity --min 800 --out cap/ my.yaml
  rehearse capacity --baseline current.yaml --candidate next.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.capacity(cmd, &f, args) },
	}
	fl := c.Flags()
	fl.StringVar(&f.by, "by", reports.ByCallers, "what grows: callers (callers.count, the arrival window kept) | rate (arrival.rate of a constant or poisson arrival)")
	fl.IntVar(&f.from, "from", 0, "first level probed (default the scenario's own level / 4)")
	fl.IntVar(&f.max, "max", 0, "highest level probed (default none: the budget and the generator bound the growth)")
	fl.StringVar(&f.precision, "precision", "5%", "stop when the bracket [highest pass, lowest fail] is this close: 5% or 0.05")
	fl.IntVar(&f.repeat, "repeat", 3, "runs of each of the last two levels; a level passes only when all its runs pass")
	fl.DurationVar(&f.budget, "budget", 20*time.Minute, "stop the search after this long and report the bracket so far (0 = no limit)")
	fl.IntVar(&f.min, "min", 0, "exit 1 when the capacity found is below this level (default 0: no minimum)")
	fl.DurationVar(&f.coolDown, "cool-down", 5*time.Second, "pause between probes, so the machine settles")
	fl.StringVar(&f.out, "out", "", "output folder (default ./rehearsals/<UTC timestamp>)")
	fl.Int64Var(&f.seed, "seed", 0, "override the scenario's seed (every probe and both sides use the same callers)")
	fl.StringVar(&f.runtime, "runtime", "docker", "where the SUT runs: docker | process (local uploadsvc processes, no limits)")
	fl.StringVar(&f.recoverAt, "recover-at", "50%", "after the search, the recovery probe drops the first failing level's load to this share of the capacity")
	fl.DurationVar(&f.recoverFor, "recover-for", 60*time.Second, "how long the recovery probe holds the dropped load (0 = no recovery probe)")
	fl.StringVar(&f.baseline, "baseline", "", "baseline scenario; with --candidate, both are searched on the same seeded callers")
	fl.StringVar(&f.candidate, "candidate", "", "candidate scenario, used with --baseline")
	return c
}

// capacity checks everything that can be refused, then runs one search or
// a baseline and a candidate.
func (a *app) capacity(cmd *cobra.Command, f *capacityFlags, args []string) error {
	ab := f.baseline != "" || f.candidate != ""
	switch {
	case ab && (f.baseline == "" || f.candidate == "" || len(args) > 0):
		return usage(cmd, errors.New("use --baseline A --candidate B together and without another SCENARIO"))
	case !ab && len(args) != 1:
		return usage(cmd, errors.New("give one SCENARIO (a file or a built-in name; see `rehearse list`)"))
	}
	names := args
	if ab {
		names = []string{f.baseline, f.candidate}
	}
	scs, err := loadScenarios(names, 1)
	if err != nil {
		return err
	}
	if len(scs) != len(names) {
		return usage(cmd, errors.New("each SCENARIO must name one scenario, not a folder or a suite"))
	}
	if ab {
		scs = sameCallers(scs[0], scs[1], cmd.Flags().Changed("seed"), f.seed)
	}
	o, err := f.options(a, cmd)
	if err != nil {
		return err
	}
	for _, sc := range scs {
		if err := harness.CheckCapacity(sc, o); err != nil {
			return usage(cmd, err)
		}
		a.warn(sc)
	}
	a.setRunID(o.Run.RunID)
	defer a.setRunID("")
	if ab {
		return a.capacityAB(cmd, f, o, scs[0], scs[1])
	}
	c, err := a.searchOne(cmd, o, scs[0])
	if err != nil {
		return err
	}
	return capacityOutcome(cmd, f, c)
}

// sameCallers gives the candidate the baseline's callers, arrival and seed
// (and both --seed, when given): the searches differ by the service only.
func sameCallers(base, cand *scenarios.Scenario, seedSet bool, seed int64) []*scenarios.Scenario {
	cp := *cand
	cp.Seed, cp.Callers, cp.Arrival = base.Seed, base.Callers, base.Arrival
	if seedSet {
		b := *base
		b.Seed, cp.Seed = seed, seed
		base = &b
	}
	return []*scenarios.Scenario{base, &cp}
}

// options turns the flags into harness.CapacityOptions; a bad value is a
// usage error.
func (f *capacityFlags) options(a *app, cmd *cobra.Command) (harness.CapacityOptions, error) {
	p, err := parsePrecision(f.precision)
	if err != nil {
		return harness.CapacityOptions{}, usage(cmd, err)
	}
	at, err := parsePrecision(f.recoverAt)
	if err != nil || at <= 0 {
		return harness.CapacityOptions{}, usage(cmd, fmt.Errorf("--recover-at must be a share of the capacity such as 50%% or 0.5, got %q", f.recoverAt))
	}
	if f.runtime != "docker" && f.runtime != "process" {
		return harness.CapacityOptions{}, usage(cmd, fmt.Errorf("--runtime must be docker or process, got %q", f.runtime))
	}
	if f.from < 0 || f.repeat < 1 || f.min < 0 {
		return harness.CapacityOptions{}, usage(cmd, errors.New("--from, --repeat and --min must be positive"))
	}
	run := harness.Options{Out: f.out, Runtime: harness.Runtime(f.runtime), RunID: harness.NewRunID(time.Now()), Logf: a.logf}
	if run.Out == "" {
		run.Out = harness.DefaultOut(time.Now())
	}
	if cmd.Flags().Changed("seed") {
		s := f.seed
		run.Seed = &s
	}
	return harness.CapacityOptions{
		Run: run, By: f.by, From: f.from, Max: f.max, Precision: p, Repeat: f.repeat, Budget: f.budget, CoolDown: f.coolDown,
		OnProbe: a.probeLine, RecoverAt: at, RecoverFor: f.recoverFor,
	}, nil
}

// parsePrecision reads "5%" or "0.05"; 0 is refused by CheckCapacity.
func parsePrecision(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("--precision must be a percentage such as 5%% or a fraction such as 0.05, got %q", s)
	}
	if strings.HasSuffix(strings.TrimSpace(s), "%") || v >= 1 {
		v /= 100
	}
	return v, nil
}
