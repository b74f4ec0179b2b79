package harness

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// prober runs the probes of one capacity search: each a full rehearsal
// (Run) at one level, on a fresh SUT — containers started anew, or the
// team's sut.reset for a sut.url — after a cool-down and quiet ports.
type prober struct {
	sc     *scenarios.Scenario
	o      CapacityOptions
	n      int
	target string // the last probe's target, whose ports must quieten
	note   string // said once in the answer: the ports did not quieten
}

// probe runs one rehearsal at level into Out/probes/NN-level/.
func (p *prober) probe(ctx context.Context, level int) (reports.CapacityProbe, error) {
	if err := p.settle(ctx); err != nil {
		return reports.CapacityProbe{}, err
	}
	p.n++
	rel := filepath.Join("probes", fmt.Sprintf("%02d-%d", p.n, level))
	opts := p.o.Run
	opts.Out = filepath.Join(p.o.Run.Out, rel)
	opts.Live, opts.Metrics = nil, nil
	sc := atLevel(p.sc, p.o.By, level)
	began := time.Now()
	res, err := Run(ctx, sc, opts)
	if err != nil {
		return reports.CapacityProbe{}, err
	}
	p.target = res.Report.SUT.Target
	out := probeOf(res.Report, sc, p.o.By)
	out.RunDir = filepath.ToSlash(filepath.Join(rel, sc.Name))
	out.DurationS = time.Since(began).Seconds()
	return out, nil
}

// settle waits out the cool-down and then for the sockets of the last
// probe to leave TIME_WAIT, so no probe measures its predecessor's
// ports. Not for the first probe.
func (p *prober) settle(ctx context.Context) error {
	if p.n == 0 {
		return nil
	}
	if p.o.CoolDown > 0 {
		t := time.NewTimer(p.o.CoolDown)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	n, quiet := waitQuietPorts(ctx, p.target, p.o.QuietPorts, p.o.QuietWait)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !quiet && p.note == "" {
		p.note = fmt.Sprintf("a probe started with %d sockets to the target still in TIME_WAIT (waited %s for fewer than %d)",
			n, p.o.QuietWait, p.o.QuietPorts)
		p.o.Run.Logf("capacity: %s", p.note)
	}
	return nil
}

// probeOf summarises one probe's report. A probe whose generator made
// errors of its own or saturated is invalid: it says nothing about the
// service.
func probeOf(rep *reports.Report, sc *scenarios.Scenario, by string) reports.CapacityProbe {
	p := reports.CapacityProbe{
		Verdict: rep.Verdict, Valid: true, GatesFailed: []string{},
		P99Ms: rep.LatencyMs.P99, Timeouts: rep.Requests.Timeouts,
		HTTP429: rep.Requests.Status["429"], HTTP503: rep.Requests.Status["503"], Crashes: rep.Crashes.Count,
	}
	switch {
	case rep.Verdict == reports.VerdictInvalid:
		p.Valid, p.Invalid = false, "the generator made errors of its own (out of files or ports)"
	case rep.Generator.Saturated:
		p.Valid, p.Invalid = false, fmt.Sprintf("the generator saturated (lag p99 %.1f ms)", rep.Generator.LagP99Ms)
	}
	for _, g := range rep.Gates {
		if !g.Pass {
			p.GatesFailed = append(p.GatesFailed, g.Expr)
		}
	}
	if span := arrivalSpan(sc, by); span > 0 {
		p.OfferedRPS = ptrTo(float64(rep.Load.Offered) / span)
	}
	if rep.DurationS > 0 && !rep.Callers.OutcomesUnknown {
		p.GoodputRPS = ptrTo(float64(rep.Load.Goodput) / rep.DurationS)
	}
	if v, ok := reports.Variables(rep)["lost"]; ok {
		p.Lost = ptrTo(int64(v))
	}
	return p
}

// arrivalSpan is how long the callers' first attempts are spread over, in
// seconds: the window, or callers / rate.
func arrivalSpan(sc *scenarios.Scenario, by string) float64 {
	if by == reports.ByRate || sc.Arrival.Profile == "constant" {
		if r := arrivalRate(sc); r > 0 {
			return float64(sc.Callers.Count) / r
		}
	}
	return sc.Arrival.Window.D().Seconds()
}

func ptrTo[T any](v T) *T { return &v }
