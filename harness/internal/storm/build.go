package storm

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// checkOptions fills opts' defaults and parses its target.
func checkOptions(ctx context.Context, opts Options) (Options, *url.URL, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Pollers <= 0 {
		opts.Pollers = defaultPollers
	}
	base, err := url.Parse(strings.TrimRight(opts.Target, "/"))
	if err != nil {
		return opts, nil, fmt.Errorf("storm: target: %w", err)
	}
	if !opts.AllowRemote {
		if err := loopbackOnly(ctx, base.Hostname()); err != nil {
			return opts, nil, fmt.Errorf("%w: target %s %v", ErrRemoteTarget, opts.Target, err)
		}
	}
	return opts, base, nil
}

// newEngine builds the population, the schedule of first attempts (this
// shard's callers only) and the transport, before the clock matters.
func newEngine(sc *scenarios.Scenario, opts Options, base *url.URL) (*engine, error) {
	pop, offsets, notes, err := population(sc)
	if err != nil {
		return nil, err
	}
	req, err := scenarios.NewRequests(sc, pop, nil) // nil: the ${NAME} secrets from the environment
	if err != nil {
		return nil, fmt.Errorf("storm: %w", err)
	}
	e := &engine{
		targeter: newTargeter(sc, pop, base, req),
		// Pace hands one attempt, the storm loop takes it at once.
		pacer:   pacer{wake: make(chan struct{}, 1), ready: make(chan item, 1)},
		sc:      sc,
		opts:    opts,
		callers: make([]caller, pop.Len()),
		rng:     rand.New(rand.NewPCG(uint64(sc.Seed), 0x7e7)),
		classes: pop.Classes(),
	}
	e.notes = notes
	if err := e.readMappings(); err != nil {
		return nil, err
	}
	e.policies = newPolicies(e.classes)
	e.firsts = make([]int32, 0, pop.Len())
	for i := range e.callers {
		if opts.Shard.has(pop.Ordinal(i)) && (opts.Only == nil || opts.Only(i)) {
			e.callers[i] = caller{state: stateWaiting, first: opts.After + offsets[i], class: uint8(pop.Class(i))}
			e.firsts = append(e.firsts, int32(i))
			e.waiting++
		}
	}
	if sc.Storm != nil {
		stormAt := offsets
		for i := range stormAt {
			stormAt[i] += sc.Storm.At.D()
		}
		e.initPeriodic(sc, stormAt)
	} else {
		e.initPeriodic(sc, nil)
	}
	if e.periodic != nil {
		req.SetUploads(func(caller int) int { return e.uploads(caller) - 1 })
	}
	// First attempts in order of their time, ties by caller (pacer.go).
	slices.SortStableFunc(e.firsts, func(a, b int32) int { return cmp.Compare(e.callers[a].first, e.callers[b].first) })
	n := e.waiting
	e.jars = newJars(sc.API.Cookies)
	if e.sessions = newSessions(sc, pop.Len()); e.sessions != nil {
		req.SetSessions(e.sessions.of)
	}
	if err := e.transports(n); err != nil {
		return nil, err
	}
	e.redirects = newRedirects(sc, base, e.wire, n, opts.AllowRemote)
	return e, nil
}

// transports builds the wire and the net/http transport of n callers over
// one TLS configuration (sut.tls); a run that verifies nothing gets the
// note every report then carries.
func (e *engine) transports(n int) error {
	var tc *tls.Config
	if e.base.Scheme == "https" {
		var err error
		if tc, err = TLSConfig(e.sc, e.base.Hostname(), n); err != nil {
			return err
		}
	}
	if t := e.sc.SUT.TLS; t != nil && t.Insecure {
		e.notes = append(e.notes, scenarios.TLSInsecureNote)
	}
	e.wire = wire.NewClient(e.base, n, e.sc.Callers.ConnectTimeout.D(), tc)
	e.http = newHTTPTransport(n, tc)
	return nil
}

// readMappings parses the dotted paths answers are read with; validate
// has already checked them, so an error here is a scenario built in code.
func (e *engine) readMappings() error {
	var err error
	if e.statusField, err = scenarios.ParseFieldPath(e.sc.API.StatusField); err != nil {
		return fmt.Errorf("storm: api.status_field: %w", err)
	}
	if st := e.sc.API.Status; st != nil && e.sc.API.Completion == scenarios.CompletionBody && st.IDField == "" && e.sc.API.Upload.HasSteps() {
		// The polls' path holds a {step.NAME}: no id is read from the answer.
	} else if st != nil && e.sc.API.Completion == scenarios.CompletionBody {
		if e.idField, err = scenarios.ParseFieldPath(st.IDField); err != nil {
			return fmt.Errorf("storm: api.status.id_field: %w", err)
		}
	} else if e.sc.API.Completion == scenarios.CompletionBody {
		return errors.New("storm: api.completion body needs api.status")
	}
	return nil
}

// classNames are the caller classes' names, by index.
func (e *engine) classNames() []string {
	names := make([]string, len(e.classes))
	for i, c := range e.classes {
		names[i] = c.Name
	}
	return names
}
