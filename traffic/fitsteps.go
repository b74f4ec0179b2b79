package traffic

import "time"

// MaxFitSteps bounds the steps a fitted scenario holds: a day's log
// second by second would be 86,400 of them.
const MaxFitSteps = 2000

// FitStep is one step of a fitted arrival: Uploads spread evenly over
// Window — a run of seconds of the log whose uploads per second stay
// within the fit's tolerance of one another.
type FitStep struct {
	Uploads int
	Window  time.Duration
}

// fitSteps cuts the per-second curve into steps: consecutive seconds
// whose counts stay within tol (a fraction) of the run's first second
// are one step; the smallest tol (from 10%) that makes at most
// MaxFitSteps steps is used. A burst's second stands apart from the
// quieter seconds around it, so the fitted peak per second stays within
// tol of the log's. It returns the steps and the tolerance used.
func fitSteps(perSecond []int32) ([]FitStep, float64) {
	for tol := 0.1; ; tol *= 2 {
		steps := stepsAt(perSecond, tol)
		if len(steps) <= MaxFitSteps || tol > 100 {
			return steps, tol
		}
	}
}

// stepsAt is the curve's steps at tolerance tol.
func stepsAt(perSecond []int32, tol float64) []FitStep {
	var steps []FitStep
	for i := 0; i < len(perSecond); {
		base, sum, j := float64(perSecond[i]), 0, i
		for j < len(perSecond) && within(float64(perSecond[j]), base, tol) {
			sum += int(perSecond[j])
			j++
		}
		steps = append(steps, FitStep{Uploads: sum, Window: time.Duration(j-i) * time.Second})
		i = j
	}
	return steps
}

// within reports whether n is within tol of base (both counts of a
// second; two quiet seconds, 0 and 1, are alike).
func within(n, base, tol float64) bool {
	d := n - base
	if d < 0 {
		d = -d
	}
	return d <= tol*max(base, 1)
}

// Peak is the most uploads the steps start in one second: the fitted
// curve's peak per second, to hold against the log's.
func Peak(steps []FitStep) int {
	best := 0
	for _, s := range steps {
		secs := max(int(s.Window/time.Second), 1)
		best = max(best, (s.Uploads+secs-1)/secs)
	}
	return best
}
