package capacity

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// service is a fake service whose capacity is known: every level up to
// capacity passes, and above it the service fails in its mode. It counts
// the probes it was given, and each probe moves the fake clock by took.
type service struct {
	capacity  int
	mode      string
	flaky     map[int][]bool // level -> the verdicts of its runs in turn (pass = true)
	genLimit  int            // levels above it are invalid (the generator saturates); 0: none
	invalidAt map[int]int    // level -> how many of its first probes are invalid
	now       time.Time
	took      time.Duration
	runs      map[int]int
}

func newService(capacity int, mode string) *service {
	return &service{capacity: capacity, mode: mode, now: time.Unix(0, 0), took: time.Minute,
		runs: map[int]int{}, flaky: map[int][]bool{}, invalidAt: map[int]int{}}
}

func (s *service) clock() time.Time { return s.now }

func (s *service) probe(_ context.Context, level int) (reports.CapacityProbe, error) {
	s.now = s.now.Add(s.took)
	run := s.runs[level]
	s.runs[level]++
	p := reports.CapacityProbe{Level: level, Valid: true, GatesFailed: []string{}}
	if (s.genLimit > 0 && level > s.genLimit) || run < s.invalidAt[level] {
		p.Valid, p.Verdict, p.Invalid = false, reports.VerdictInvalid, "generator saturated"
		return p, nil
	}
	pass := level <= s.capacity
	if seq, ok := s.flaky[level]; ok {
		pass = seq[run%len(seq)]
	}
	good, offered := float64(min(level, s.capacity)), float64(level)
	p.GoodputRPS, p.OfferedRPS = &good, &offered
	crashes, lost := int64(0), int64(0)
	p.Crashes, p.Lost = &crashes, &lost
	if pass {
		p.Verdict = reports.VerdictPass
		return p, nil
	}
	p.Verdict = reports.VerdictFail
	over := int64(level - s.capacity)
	switch s.mode {
	case reports.ModeShedding:
		p.HTTP429, p.GatesFailed = over, []string{"http_429 == 0"}
	case reports.ModeSlowdown:
		p.Timeouts, p.GatesFailed = over, []string{"timeouts == 0"}
	case reports.ModeCollapse:
		good = float64(s.capacity) / 3
		p.GatesFailed = []string{"gave_up == 0"}
	case reports.ModeLoss:
		lost = over
		p.GatesFailed = []string{"lost == 0"}
	}
	return p, nil
}

func search(t *testing.T, svc *service, cfg Config) *reports.Capacity {
	t.Helper()
	cfg.Now = svc.clock
	if cfg.By == "" {
		cfg.By = reports.ByCallers
	}
	if cfg.Precision == 0 {
		cfg.Precision = 0.05
	}
	c, err := Search(context.Background(), cfg, svc.probe)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSearchFindsKnownCapacity: whatever the capacity and wherever the
// search starts (below it, far below, above it), the answer is the highest
// level that passed, the lowest failing level is above the true capacity,
// the bracket is within 5%, and its two levels ran 3 times each.
func TestSearchFindsKnownCapacity(t *testing.T) {
	for _, tc := range []struct{ capacity, from int }{
		{1000, 250}, {1000, 1}, {4321, 100}, {37, 10}, {1000, 5000}, {2, 1},
	} {
		svc := newService(tc.capacity, reports.ModeShedding)
		c := search(t, svc, Config{From: tc.from, Repeat: 3})
		if c.Capacity == nil || c.Bracket.Fail == nil {
			t.Fatalf("capacity %d from %d: %s", tc.capacity, tc.from, c.Answer)
		}
		pass, fail := *c.Bracket.Pass, *c.Bracket.Fail
		if pass > tc.capacity || fail <= tc.capacity || (fail-pass > 1 && float64(fail-pass) > 0.05*float64(pass)) {
			t.Errorf("capacity %d from %d: bracket [%d, %d]", tc.capacity, tc.from, pass, fail)
		}
		if svc.runs[pass] != 3 || svc.runs[fail] != 3 || c.Stopped != reports.StopPrecision {
			t.Errorf("capacity %d from %d: runs at the bracket %d/%d, stopped %q", tc.capacity, tc.from, svc.runs[pass], svc.runs[fail], c.Stopped)
		}
		if c.FailureMode != reports.ModeShedding || c.FirstFailedGate == nil || *c.FirstFailedGate != "http_429 == 0" {
			t.Errorf("capacity %d: mode %s, gate %v", tc.capacity, c.FailureMode, c.FirstFailedGate)
		}
		if len(c.Probes) > 20 {
			t.Errorf("capacity %d from %d: %d probes", tc.capacity, tc.from, len(c.Probes))
		}
	}
}

// TestSearchUnstableLevel: a level that passes 2 runs of 3 near the
// boundary is unstable, reported with its ratio, and is not the capacity.
func TestSearchUnstableLevel(t *testing.T) {
	svc := newService(1000, reports.ModeSlowdown)
	// From 250: 250, 500, 1000 pass, 2000 fails; 1500, 1250, 1125, 1062 fail,
	// 1031 fails, 1000..1031 is within 5%, so 1000 is repeated.
	svc.flaky[1000] = []bool{true, true, false}
	c := search(t, svc, Config{From: 250, Repeat: 3})
	var lv reports.CapacityLevel
	for _, l := range c.Levels {
		if l.Level == 1000 {
			lv = l
		}
	}
	if !lv.Unstable || lv.Runs != 3 || lv.Passes != 2 {
		t.Fatalf("level 1000: %+v", lv)
	}
	if c.Capacity == nil || *c.Capacity >= 1000 || *c.Bracket.Fail != 1000 {
		t.Fatalf("capacity %v, bracket %s", c.Capacity, reports.BracketText(c.Bracket))
	}
	if len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "1,000 callers is unstable: it passed 2 of 3 runs (67%)") {
		t.Fatalf("notes %q", c.Notes)
	}
}

// TestSearchInvalidProbeIsRunAgain: a probe the generator spoilt is run
// again, never counted as a fail; the answer is the same.
func TestSearchInvalidProbeIsRunAgain(t *testing.T) {
	svc := newService(1000, reports.ModeShedding)
	svc.invalidAt[2000] = 1
	c := search(t, svc, Config{From: 250, Repeat: 1})
	if svc.runs[2000] != 2 || c.GeneratorLimited || c.Capacity == nil || *c.Capacity > 1000 || *c.Capacity < 950 {
		t.Fatalf("runs at 2000: %d; %s", svc.runs[2000], c.Answer)
	}
	var invalid int
	for _, p := range c.Probes {
		if !p.Valid {
			invalid++
		}
	}
	if invalid != 1 {
		t.Fatalf("%d invalid probes recorded", invalid)
	}
}

// TestSearchGeneratorLimited: when the generator cannot offer a level
// twice, the answer is "≥" the last level that passed, never a fail.
func TestSearchGeneratorLimited(t *testing.T) {
	svc := newService(1000, reports.ModeShedding)
	svc.genLimit = 600
	c := search(t, svc, Config{From: 100, Repeat: 3})
	if !c.GeneratorLimited || c.Stopped != reports.StopGenerator || c.Capacity == nil || *c.Capacity != 400 || c.Bracket.Fail != nil {
		t.Fatalf("%+v", c)
	}
	if c.Answer != "≥ 400 callers; the generator could not offer more — shard it (--shards)" {
		t.Fatalf("answer %q", c.Answer)
	}
	if c.FailureMode != reports.ModeNone {
		t.Fatalf("mode %s", c.FailureMode)
	}
}

// TestSearchBudget: the search does not start a probe that would end past
// the budget, and reports the bracket so far.
func TestSearchBudget(t *testing.T) {
	svc := newService(1000, reports.ModeShedding)
	c := search(t, svc, Config{From: 250, Repeat: 3, Budget: 5*time.Minute + 30*time.Second})
	if len(c.Probes) != 5 || c.Stopped != reports.StopBudget {
		t.Fatalf("%d probes, stopped %q", len(c.Probes), c.Stopped)
	}
	// 250, 500, 1000, 2000, 1500: bracket [1000, 1500].
	if reports.BracketText(c.Bracket) != "[1,000, 1,500]" || !strings.Contains(c.Answer, "the --budget was spent") {
		t.Fatalf("bracket %s, answer %q", reports.BracketText(c.Bracket), c.Answer)
	}
}

// TestSearchMax: a service that never fails is "≥ max".
func TestSearchMax(t *testing.T) {
	svc := newService(1<<30, reports.ModeShedding)
	c := search(t, svc, Config{From: 100, Max: 700, Repeat: 3})
	if c.Stopped != reports.StopMax || *c.Capacity != 700 || c.Bracket.Fail != nil || len(c.Probes) != 4 {
		t.Fatalf("%+v", c)
	}
	if c.Answer != "≥ 700 callers: no level failed up to --max" {
		t.Fatalf("answer %q", c.Answer)
	}
}

// TestSearchNothingPasses: a service that fails at every level says so.
func TestSearchNothingPasses(t *testing.T) {
	svc := newService(0, reports.ModeCollapse)
	c := search(t, svc, Config{From: 8, Repeat: 3})
	if c.Capacity != nil || c.Stopped != reports.StopNoPass || *c.Bracket.Fail != 1 || c.Answer != "below 1 callers: every level tried failed" {
		t.Fatalf("%+v", c)
	}
}

// TestSearchInterrupted: a probe cut off by Ctrl-C is not kept, every
// finished one is, and the answer so far is returned without an error.
func TestSearchInterrupted(t *testing.T) {
	svc := newService(1000, reports.ModeShedding)
	ctx, cancel := context.WithCancel(context.Background())
	probe := func(ctx context.Context, level int) (reports.CapacityProbe, error) {
		if len(svc.runs) == 3 {
			cancel()
			return reports.CapacityProbe{}, errors.New("interrupted")
		}
		return svc.probe(ctx, level)
	}
	c, err := Search(ctx, Config{From: 250, Precision: 0.05, Repeat: 3, Now: svc.clock}, probe)
	if err != nil || c.Stopped != reports.StopInterrupted || len(c.Probes) != 3 || *c.Capacity != 1000 {
		t.Fatalf("err %v, %+v", err, c)
	}
}

// TestSearchProbeError: a probe that cannot run stops the search with its
// error and the answer so far.
func TestSearchProbeError(t *testing.T) {
	svc := newService(1000, reports.ModeShedding)
	boom := errors.New("docker gone")
	probe := func(ctx context.Context, level int) (reports.CapacityProbe, error) {
		if level == 1000 {
			return reports.CapacityProbe{}, boom
		}
		return svc.probe(ctx, level)
	}
	c, err := Search(context.Background(), Config{From: 250, Precision: 0.05, Now: svc.clock}, probe)
	if !errors.Is(err, boom) || c.Stopped != reports.StopError || len(c.Probes) != 2 {
		t.Fatalf("err %v, %+v", err, c)
	}
}

// TestSearchProgress: each probe is announced with the bracket so far, and
// the time left once a level has failed.
func TestSearchProgress(t *testing.T) {
	svc := newService(1000, reports.ModeShedding)
	var seen []Progress
	search(t, svc, Config{From: 250, Repeat: 3, OnProbe: func(p Progress) { seen = append(seen, p) }})
	if seen[0].N != 1 || seen[0].Level != 250 || seen[0].Left >= 0 || seen[0].Unit != "callers" {
		t.Fatalf("first %+v", seen[0])
	}
	p := seen[4] // after 2000 failed: 1500 next, bracket [1000, 2000]
	if p.Level != 1500 || reports.BracketText(p.Bracket) != "[1,000, 2,000]" || p.Left <= 0 {
		t.Fatalf("fifth %+v", p)
	}
	// Bisection to 5% needs 1500, 1250, 1125, 1062, 1031 (5), then 2×2 repeats: 9 minutes.
	if p.Left != 9*time.Minute {
		t.Errorf("left %s, want 9m", p.Left)
	}
	last := seen[len(seen)-1]
	if last.Repeat != 3 || last.Of != 3 || last.Left != time.Minute {
		t.Errorf("last %+v", last)
	}
}
