package harness

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Recovery's rule (docs/capacity.md): after the load drops, the service
// has recovered at the first second from which goodput holds at least
// recoveredRatio of the offered load for recoveredHold whole seconds in a
// row, with no crash from then on.
const (
	recoveredRatio = 0.95
	recoveredHold  = 5
)

// recover runs the recovery probe after the search: the storm at the
// lowest failing level, then the offered load dropped to RecoverAt of the
// capacity for RecoverFor, on a fresh service. It says in c whether and
// how soon the service recovered; without a failing level and a capacity
// there is nothing to recover from, or to.
func (p *prober) recover(ctx context.Context, c *reports.Capacity) error {
	switch {
	case c.Bracket.Fail == nil:
		return nil
	case c.Capacity == nil:
		c.Notes = append(c.Notes, "recovery not measured: no level passed, so there is no load to drop to")
		return nil
	}
	from, to := *c.Bracket.Fail, max(1, int(math.Round(p.o.RecoverAt*float64(*c.Capacity))))
	if err := p.settle(ctx); err != nil {
		return err
	}
	p.n++
	rel := filepath.Join("probes", fmt.Sprintf("%02d-recovery", p.n))
	opts := p.o.Run
	opts.Out = filepath.Join(p.o.Run.Out, rel)
	opts.Live, opts.Metrics = nil, nil
	sc := recoveryScenario(p.sc, p.o.By, from, to, p.o.RecoverFor)
	p.o.Run.Logf("recovery: %s, then %s for %s", c.LevelText(from), c.LevelText(to), p.o.RecoverFor)
	res, err := Run(ctx, sc, opts)
	if err != nil {
		return err
	}
	p.target = res.Report.SUT.Target
	c.Recovery = recoveryOf(res.Report, c, from, to, p.o.RecoverFor)
	c.Recovery.RunDir = filepath.ToSlash(filepath.Join(rel, sc.Name))
	return nil
}

// recoveryScenario is sc as the recovery probe runs it, an arrival in two
// steps: the storm at level from as its probe offered it (by callers:
// from callers over the arrival's span; by rate: from a second for as
// long), then the load at level to — to callers over each span's worth
// of time, or to a second — for forD.
func recoveryScenario(sc *scenarios.Scenario, by string, from, to int, forD time.Duration) *scenarios.Scenario {
	cp := *sc
	cp.Expect, cp.Signature = "", nil
	span := arrivalSpan(sc, by)
	storm, rate := scenarios.ArrivalStep{Callers: from, Window: scenarios.Duration(span * float64(time.Second))}, float64(to)/span
	if by == reports.ByRate {
		storm, rate = scenarios.ArrivalStep{Rate: float64(from), For: scenarios.Duration(span * float64(time.Second))}, float64(to)
	}
	cp.Arrival = scenarios.Arrival{Profile: scenarios.ProfileSteps, Steps: []scenarios.ArrivalStep{storm, {Rate: rate, For: scenarios.Duration(forD)}}}
	cp.Callers.Count = cp.Arrival.StepCallers()
	// The storm's stragglers and the whole drop must fit in the run.
	need := time.Duration(span*float64(time.Second)) + forD + cp.Run.DrainTimeout.D()
	cp.Run.MaxDuration = scenarios.Duration(max(cp.Run.MaxDuration.D(), need))
	return &cp
}

// recoveryOf reads the recovery probe's report: its second arrival step
// is the drop.
func recoveryOf(rep *reports.Report, c *reports.Capacity, from, to int, forD time.Duration) *reports.Recovery {
	r := &reports.Recovery{Level: to, From: from, ForS: forD.Seconds()}
	if len(rep.ArrivalSteps) < 2 {
		r.Text = "not measured: the probe's report has no arrival steps"
		return r
	}
	drop := rep.ArrivalSteps[1]
	r.Amplification = drop.Amplification
	r.RecoveredS = recoveredAt(rep, drop.FromS, drop.ToS)
	amp := "not measured"
	if a := r.Amplification; a != nil {
		amp = fmt.Sprintf("%.2f", *a)
	}
	if r.RecoveredS == nil {
		r.Text = fmt.Sprintf("did not recover within %s of the load dropping from %s to %s (amplification %s)",
			scenarios.DurationText(forD), c.LevelText(from), c.LevelText(to), amp)
		return r
	}
	r.Text = fmt.Sprintf("recovered %.0f s after the load dropped from %s to %s (amplification %s)",
		*r.RecoveredS, c.LevelText(from), c.LevelText(to), amp)
	return r
}

// recoveredAt is how long after from the service recovered: the first
// second t in [from, to) from which recoveredHold seconds in a row each
// answered ok at least recoveredRatio of the first attempts sent in them,
// with no crash from t on; nil when there was none.
func recoveredAt(rep *reports.Report, from, to float64) *float64 {
	lastCrash := math.Inf(-1)
	for _, e := range rep.Crashes.Events {
		lastCrash = max(lastCrash, e.AtS)
	}
	tl := rep.Timeline
	held := 0
	for i := int(from); i < int(to) && i < len(tl); i++ {
		b := tl[i]
		if float64(b.Goodput) >= recoveredRatio*float64(b.Offered) && float64(i) > lastCrash {
			held++
		} else {
			held = 0
		}
		if held == recoveredHold {
			s := float64(i+1-recoveredHold) - from
			return &s
		}
	}
	return nil
}
