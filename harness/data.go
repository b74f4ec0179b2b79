package harness

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// dataRun is the callers' existing data through one rehearsal (scenario
// key data): who was preloaded before the clock, and what each read-back
// (after the upgrade, at the end) found. mu guards check and readBacks;
// verified is closed once the read-back after the upgrade is over (or
// will never happen).
type dataRun struct {
	spec      *scenarios.Data
	records   int
	preloaded []int // callers whose preload was done, ascending
	failed    int64

	mu           sync.Mutex
	check        *storm.DataCheck // after the upgrade: whom the restorm sends
	readBacks    []readBack
	verified     chan struct{}
	verifiedOnce sync.Once
}

// readBack is one read-back: its point, when it started on the storm's
// clock, and what it found.
type readBack struct {
	point scenarios.VerifyPoint
	at    time.Duration
	check storm.DataCheck
}

// preload uploads every caller's existing data through the scenario's own
// API and templates, gently (data.preload.rate callers per second, retried
// on every failure), and waits until it is done: it is the past the
// upgrade must keep, not the storm. Its traffic is in no report figure.
func (r *rehearsal) preload(ctx context.Context, target string) (*dataRun, error) {
	d := &dataRun{spec: r.sc.Data, verified: make(chan struct{})}
	if d.spec == nil || d.spec.Preload == nil {
		d.markVerified()
		return d, nil
	}
	p := d.spec.Preload
	d.records = p.Records
	sc := preloadScenario(r.sc, p)
	r.opts.Logf("%s: preloading %d records for each of %d callers at %.0f callers/s", r.sc.Name, p.Records, sc.Callers.Count, p.Rate)
	var mu sync.Mutex
	agg := reports.NewAggregator(time.Now())
	_, err := storm.Run(ctx, sc, storm.Options{
		Target: target, Aggregator: agg, AllowRemote: r.opts.AllowRemote, Shard: r.opts.Shard,
		OnOutcome: func(o reports.CallerOutcome) {
			mu.Lock()
			defer mu.Unlock()
			if o.Succeeded {
				d.preloaded = append(d.preloaded, int(o.Caller))
			} else {
				d.failed++
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("preload: %w", err)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("preload: %w", ErrInterrupted)
	}
	slices.Sort(d.preloaded)
	if d.failed > 0 {
		r.notes = append(r.notes, fmt.Sprintf("data.preload: %d callers' data was never done (their data is not verified)", d.failed))
	}
	r.opts.Logf("%s: preloaded %d callers (%d failed)", r.sc.Name, len(d.preloaded), d.failed)
	return d, nil
}

// preloadScenario is sc as the preload sends it: every caller (of every
// class) with p.Records records, arriving at p.Rate per second, retrying
// every failure with backoff; its own name, so its idempotency keys are
// not the storm's (the storm's upload must not be answered as a repeat).
func preloadScenario(sc *scenarios.Scenario, p *scenarios.Preload) *scenarios.Scenario {
	cp := *sc
	cp.Name = sc.Name + "-preload"
	cp.Faults, cp.Upgrade, cp.Data, cp.Gates, cp.Signature = nil, nil, nil, nil, nil
	cp.Callers.Records = scenarios.Distribution{Fixed: p.Records}
	cp.Callers.Retry = scenarios.Retry{Attempts: 10, Backoff: scenarios.BackoffExponential, Base: scenarios.Duration(200 * time.Millisecond),
		Max: scenarios.Duration(5 * time.Second), Jitter: scenarios.JitterFull, On: []string{"timeout", "5xx", "429", "conn"}}
	cp.Callers.Classes = slices.Clone(sc.Callers.Classes)
	for i := range cp.Callers.Classes {
		cp.Callers.Classes[i].Records = scenarios.Distribution{Fixed: p.Records}
		cp.Callers.Classes[i].Retry = nil
	}
	if len(p.Headers) > 0 {
		cp.API.Headers = maps.Clone(sc.API.Headers)
		if cp.API.Headers == nil {
			cp.API.Headers = map[string]string{}
		}
		maps.Copy(cp.API.Headers, p.Headers) // the preload's own win over api.headers
	}
	cp.Arrival = scenarios.Arrival{Profile: "constant", Rate: p.Rate}
	span := time.Duration(float64(sc.Callers.Count)/p.Rate*float64(time.Second)) + sc.Run.DrainTimeout.D()
	cp.Run.MaxDuration = scenarios.Duration(span + 2*time.Minute)
	return &cp
}

// verify reads the preloaded callers' data back at point, when data.verify
// names it, and keeps what it found; after the upgrade it closes verified
// either way (the restorm waits for it).
func (r *rehearsal) verify(ctx context.Context, d *dataRun, target string, point scenarios.VerifyPoint) {
	if point == scenarios.VerifyAfterUpgrade {
		defer d.markVerified()
	}
	if d.spec == nil || !d.spec.Verify.Has(point) || ctx.Err() != nil {
		return
	}
	at := time.Since(r.stormStart)
	r.opts.Logf("%s: reading back the data of %d callers (%s)", r.sc.Name, len(d.preloaded), point)
	check, err := storm.VerifyData(ctx, r.sc, target, d.preloaded, d.records, storm.VerifyOptions{AllowRemote: r.opts.AllowRemote})
	if err != nil {
		r.opts.Logf("%s: verify: %v", r.sc.Name, err)
		return
	}
	r.opts.Logf("%s: %s: %d records verified, %d missing, %d callers invalidated, %d unreadable",
		r.sc.Name, point, check.Verified, check.Missing, len(check.Invalidated), check.Unreadable)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.readBacks = append(d.readBacks, readBack{point: point, at: at, check: check})
	if point == scenarios.VerifyAfterUpgrade {
		d.check = &check
	}
}

func (d *dataRun) markVerified() { d.verifiedOnce.Do(func() { close(d.verified) }) }

// restorm says which callers the storm sends: nil (every one) unless
// data.restorm is invalidated, then exactly the callers whose data the
// read-back found missing (none when it could not read back).
func (d *dataRun) restorm() (only func(int) bool, n int64, restorming bool) {
	if d.spec == nil || d.spec.Restorm != scenarios.RestormInvalidated {
		return nil, 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	set := map[int]bool{}
	if d.check != nil {
		for _, c := range d.check.Invalidated {
			set[c] = true
		}
	}
	return func(i int) bool { return set[i] }, int64(len(set)), true
}

// report is the report's data section; nil without a data block.
func (d *dataRun) report(restormed *int64) *reports.DataReport {
	if d == nil || d.spec == nil {
		return nil
	}
	out := &reports.DataReport{PreloadedCallers: int64(len(d.preloaded)), PreloadedRecords: int64(len(d.preloaded) * d.records),
		PreloadFailed: d.failed, Restormed: restormed}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, rb := range d.readBacks {
		c := rb.check
		out.ReadBacks = append(out.ReadBacks, reports.ReadBack{Point: string(rb.point), AtS: round3(rb.at.Seconds()),
			VerifiedRecords: c.Verified, MissingRecords: c.Missing, InvalidatedCallers: int64(len(c.Invalidated)),
			UnreadableCallers: c.Unreadable, UnreadableExample: c.Example})
	}
	if n := len(out.ReadBacks); n > 0 {
		last := out.ReadBacks[n-1]
		out.UnreadableCallers, out.UnreadableExample = &last.UnreadableCallers, last.UnreadableExample
		if last.UnreadableCallers == 0 || last.UnreadableCallers < int64(len(d.preloaded)) {
			// Measured over the callers that could be read; when none
			// could, nothing was measured.
			out.VerifiedRecords, out.MissingRecords, out.InvalidatedCallers = &last.VerifiedRecords, &last.MissingRecords, &last.InvalidatedCallers
		}
	}
	return out
}

// round3 rounds to 3 decimals, as the report's times are.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// restorms reports whether the storm is data.restorm's: only the callers
// whose data the upgrade lost, known once it is read back.
func (r *rehearsal) restorms() bool {
	return r.data != nil && r.data.spec != nil && r.data.spec.Restorm == scenarios.RestormInvalidated
}

// restormOnly, under data.restorm: invalidated, waits until the data was
// read back after the upgrade and limits the storm to the callers whose
// data was lost, from that moment on the run's clock: the seed's
// re-upload storm, sized by what the upgrade really destroyed.
func (r *rehearsal) restormOnly(ctx context.Context, opts *storm.Options) {
	if !r.restorms() {
		return
	}
	r.opts.Logf("%s: the storm waits for the upgrade and the read-back of the data", r.sc.Name)
	select {
	case <-r.data.verified:
	case <-ctx.Done():
	}
	only, n, _ := r.data.restorm()
	opts.Only, opts.After = only, time.Since(r.stormStart)
	r.restormed = &n
	r.opts.Logf("%s: restorm: %d callers whose data was lost re-upload", r.sc.Name, n)
}
