package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const stepsScenario = `name: steps
sut: {url: "http://127.0.0.1:1"}
callers: {records: 1}
arrival: {profile: steps, steps: [{rate: 200, for: 30s}, {callers: 500, window: 5s}, {rate: 0, for: 10s}, {rate: 2.5, for: 2s}]}
gates:
  - "error_rate[last 30s] < 0.01"
  - "p99_ms[step 2] < 800"
  - "goodput_ratio[after 40s] >= 0.95"
  - {gate: "error_rate[last 10s] < 0.05", abort: true}
  - "gave_up[default] == 0"
`

// TestArrivalSteps: callers.count is the steps' sum, each step's callers
// arrive within its own span at its own rate, and windowed gates parse to
// the variables the report keys.
func TestArrivalSteps(t *testing.T) {
	sc, err := Parse("steps.yaml", []byte(stepsScenario))
	if err != nil {
		t.Fatal(err)
	}
	if want := 6000 + 500 + 0 + 5; sc.Callers.Count != want {
		t.Fatalf("callers.count %d, want the steps' sum %d", sc.Callers.Count, want)
	}
	spans := sc.Arrival.Spans()
	wantSpans := []StepSpan{
		{0, 30 * time.Second, 6000, "200/s for 30s"}, {30 * time.Second, 35 * time.Second, 500, "500 callers in 5s"},
		{35 * time.Second, 45 * time.Second, 0, "pause 10s"}, {45 * time.Second, 47 * time.Second, 5, "2.5/s for 2s"},
	}
	for i, w := range wantSpans {
		if spans[i] != w {
			t.Errorf("step %d: %+v, want %+v", i+1, spans[i], w)
		}
	}
	offs, err := sc.Arrival.Offsets(sc.Callers.Count, sc.Seed)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, sp := range spans {
		for j := range sp.Callers {
			if o := offs[i]; o < sp.From || o >= sp.To {
				t.Fatalf("caller %d (step %q, #%d) at %s, outside [%s, %s)", i, sp.Label, j, o, sp.From, sp.To)
			}
			i++
		}
	}
	if offs[1]-offs[0] != 5*time.Millisecond || offs[6001]-offs[6000] != 10*time.Millisecond {
		t.Errorf("gaps %s and %s, want 1/200 s and 5 s/500", offs[1]-offs[0], offs[6001]-offs[6000])
	}
	wantVars := []string{"error_rate[last 30s]", "p99_ms[step 2]", "goodput_ratio[after 40s]", "error_rate[last 10s]", "gave_up[default]"}
	for i, g := range sc.Gates {
		if g.Variable() != wantVars[i] {
			t.Errorf("gate %d: variable %q, want %q", i, g.Variable(), wantVars[i])
		}
	}
	if a := sc.AbortGates(); len(a) != 1 || a[0].Expr != "error_rate[last 10s] < 0.05" || a[0].Window().String() != "last 10s" {
		t.Errorf("abort gates %+v", a)
	}
	if c := sc.Gates[4]; c.Class() != "default" || c.Window() != nil {
		t.Errorf("a class gate stays a class gate: class %q window %v", c.Class(), c.Window())
	}
	half := sc.Scaled(0.5)
	if half.Callers.Count != 3000+250+0+3 || half.Arrival.Steps[0].Rate != 200 || half.Arrival.Steps[1].Window.D() != 2500*time.Millisecond {
		t.Errorf("scaled: count %d, steps %+v", half.Callers.Count, half.Arrival.Steps)
	}
}

// TestArrivalStepsMistakes: each mistake in steps and windows is one
// sentence at its line and column.
func TestArrivalStepsMistakes(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"count differs": {"callers: {count: 10, records: 1}\narrival: {profile: steps, steps: [{rate: 2, for: 3s}]}\n",
			"s.yaml:3:18: callers.count: is 10, but the arrival steps bring 6 callers: leave count out to take the steps' sum"},
		"both kinds": {"callers: {records: 1}\narrival: {profile: steps, steps: [{rate: 2, for: 3s, callers: 4}]}\n",
			"s.yaml:4:35: arrival.steps[0]: a step is {rate, for} or {callers, window}, not both"},
		"no steps": {"callers: {records: 1, count: 3}\narrival: {profile: steps}\n", "arrival.steps: profile steps needs at least one step"},
		"steps on burst": {"callers: {records: 1, count: 3}\narrival: {profile: burst, window: 1s, steps: [{rate: 1, for: 3s}]}\n",
			"arrival.steps: only with profile steps, got profile burst"},
		"unknown window": {"callers: {records: 1, count: 3}\ngates: [\"p99_ms[before 10s] < 5\"]\n",
			`s.yaml:4:17: gates[0]: gate "p99_ms[before 10s] < 5": unknown window "before 10s" (windows: last D, after D, step N, during upgrade)`},
		"no such step": {"callers: {records: 1}\narrival: {profile: steps, steps: [{rate: 1, for: 3s}]}\ngates:\n  - {gate: \"p99_ms[step 2] < 5\", abort: true}\n",
			`s.yaml:6:20: gates[0].gate: gate "p99_ms[step 2] < 5": no arrival step 2: the arrival has 1 steps`},
		"step without steps": {"callers: {records: 1, count: 3}\ngates: [\"ok[step 1] > 0\"]\n",
			`gate "ok[step 1] > 0": [step 1] needs arrival profile steps, got burst`},
		"no upgrade": {"callers: {records: 1, count: 3}\ngates: [\"timeouts[during upgrade] == 0\"]\n",
			`[during upgrade] needs an upgrade block: this scenario upgrades nothing`},
		"not windowed": {"callers: {records: 1, count: 3}\ngates: [\"lost[last 10s] == 0\"]\n",
			`"lost" has no value over a window`},
		"abort at end only": {"callers: {records: 1, count: 3}\ngates: [{gate: \"lost == 0\", abort: true}]\n",
			`gates[0].abort: gate "lost == 0": lost is known only at the end of the run`},
		"abort in signature": {"callers: {records: 1, count: 3}\nsignature: [{gate: \"ok > 0\", abort: true}]\n",
			`signature[0].abort: abort is for gates`},
		"gate key typo": {"callers: {records: 1, count: 3}\ngates: [{gate: \"ok > 0\", abrot: true}]\n", `gates[0].abrot: unknown key; did you mean "abort"?`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte("name: s\nsut: {url: \"http://127.0.0.1:1\"}\n"+tc.yaml))
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}
