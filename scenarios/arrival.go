package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// Offsets returns the first-attempt offset of callers 0..n-1 from the start
// of the storm, ascending. It is a pure function of the profile, n and seed:
//   - burst: all callers within window, evenly spread (i*window/n);
//   - ramp: the arrival rate rises linearly from 0 over window, so caller i
//     arrives at window*sqrt(i/n);
//   - poisson: seeded exponential gaps with mean 1/rate (rate defaults to
//     n/window);
//   - constant: caller i at i/rate;
//   - steps: step after step (arrival_steps.go); n must be their sum.
func (a Arrival) Offsets(n int, seed int64) ([]time.Duration, error) {
	if a.Profile == ProfileSteps {
		return a.stepOffsets(n)
	}
	out := make([]time.Duration, n)
	w := float64(a.Window)
	switch a.Profile {
	case vocab.ProfileBurst:
		for i := range out {
			out[i] = time.Duration(w * float64(i) / float64(n))
		}
	case vocab.ProfileRamp:
		for i := range out {
			out[i] = time.Duration(w * math.Sqrt(float64(i)/float64(n)))
		}
	case vocab.ProfileConstant:
		if a.Rate <= 0 {
			return nil, fmt.Errorf("arrival constant needs rate > 0")
		}
		for i := range out {
			out[i] = time.Duration(float64(i) / a.Rate * float64(time.Second))
		}
	case vocab.ProfilePoisson:
		rate := a.Rate
		if rate <= 0 {
			if w <= 0 {
				return nil, fmt.Errorf("arrival poisson needs rate or window")
			}
			rate = float64(n) / (w / float64(time.Second))
		}
		rng := rand.New(rand.NewPCG(uint64(seed), 0xa11e1))
		t := 0.0
		for i := range out {
			out[i] = time.Duration(t * float64(time.Second))
			t += rng.ExpFloat64() / rate
		}
	default:
		return nil, fmt.Errorf("unknown arrival profile %q", a.Profile)
	}
	return out, nil
}

// Scaled returns a copy of s with callers.count (at least 1) and the arrival
// window multiplied by f, for reduced-scale runs in CI: a burst keeps its
// arrival rate and gets shorter; a constant rate is kept; steps keep their
// rates and bursts' density, each step f as long. Run durations are
// unchanged; callers that upload several times (callers.uploads) keep
// their uploads each.
func (s *Scenario) Scaled(f float64) *Scenario {
	cp := *s
	cp.Callers.Count = max(1, int(math.Round(float64(s.Callers.Count)*f)))
	cp.Arrival.Window = Duration(float64(s.Arrival.Window) * f)
	if s.Arrival.Profile == ProfileSteps {
		cp.Arrival.Steps = scaledSteps(s.Arrival.Steps, f)
		cp.Callers.Count = max(1, cp.Arrival.StepCallers())
	}
	if len(s.Callers.Uploads) > 0 {
		// Callers that upload several times: f of each line's callers,
		// as many uploads each; the curve keeps its shape.
		cp.Callers.Uploads, cp.Callers.Count = make([]UploadCount, len(s.Callers.Uploads)), 0
		for i, u := range s.Callers.Uploads {
			u.Callers = scaledCount(u.Callers, f)
			cp.Callers.Uploads[i], cp.Callers.Count = u, cp.Callers.Count+u.Callers
		}
	}
	return &cp
}
