package traffic

import (
	"math"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// MaxFitCount is the most callers a fitted scenario may have (a
// scenario's callers.count is at most 10,000,000: scenarios.MaxCallers).
const MaxFitCount = 10_000_000

// Fit is a synthetic model of an imported log, for a scenario that cannot
// ship the trace itself: the logged callers as callers, each with its
// logged number of uploads (callers.uploads), record counts from the
// sizes, and all the uploads on an arrival fitted to the per-second
// curve.
type Fit struct {
	// Count is the number of callers, the log's; PerCaller how many of
	// them uploaded how many times (fitpercaller.go), their sum Uploads.
	Count     int
	Uploads   int64
	PerCaller []CallerUploads
	// RecordBytes is the record size the sizes were divided by; the
	// record counts are nearest-rank quantiles of max(1, round(bytes /
	// RecordBytes)).
	RecordBytes                           int
	RecordsMedian, RecordsP99, RecordsMax int
	// Profile is burst, ramp or poisson; Window how long the arrivals
	// last; Rate the uploads per second (poisson).
	Profile string
	Window  time.Duration
	Rate    float64
	// Steps, when set, are the arrival that keeps the log's per-second
	// curve (profile steps, fitsteps.go), cut at StepTolerance; Profile,
	// Window and Rate are then the one-profile model, kept for the summary.
	Steps         []FitStep
	StepTolerance float64
}

// Fit fits the model to the uploads summarised, with records of
// recordBytes (> 0). It fails (ErrInput) when the log had no upload or no
// request sizes, or more callers than a scenario may have.
func (s *Summary) Fit(recordBytes int) (Fit, error) {
	switch {
	case recordBytes <= 0:
		return Fit{}, usagef("record bytes must be > 0, got %d", recordBytes)
	case s.Uploads == 0:
		return Fit{}, inputf("no upload to fit a model to")
	case s.BytesKey == "" && s.AssumedBytes == 0:
		return Fit{}, inputf("the log has no request sizes to fit record counts to (log $content_length or $request_length, or choose them with --size-from FIELD or --assume-size)")
	case s.Callers > MaxFitCount:
		return Fit{}, inputf("the log has %d callers, more than a scenario's %d: fit a share of them with --callers", s.Callers, MaxFitCount)
	}
	rec := func(b int64) int { return max(1, int(math.Round(float64(b)/float64(recordBytes)))) }
	f := Fit{Count: s.Callers, Uploads: s.Uploads, PerCaller: fitPerCaller(s.perCaller), RecordBytes: recordBytes,
		RecordsMedian: rec(s.BytesMedian), RecordsP99: rec(s.BytesP99), RecordsMax: rec(s.BytesMax)}
	f.Profile, f.Window, f.Rate = fitArrival(s.perSecond)
	if len(s.perSecond) > 1 {
		f.Steps, f.StepTolerance = fitSteps(s.perSecond)
	}
	return f, nil
}

// fitArrival picks the arrival profile of a per-second curve:
//   - burst over the shortest stretch that holds 90% of the uploads, when
//     that is at most half the curve: the uploads bunched up;
//   - ramp over the whole curve, when each quarter's uploads outnumber
//     the one before and the first holds at most 40% of the last's;
//   - poisson at the mean rate over the whole curve otherwise.
func fitArrival(perSecond []int32) (profile string, window time.Duration, rate float64) {
	var total int64
	for _, n := range perSecond {
		total += int64(n)
	}
	w := len(perSecond)
	if total == 0 || w == 0 {
		return vocab.ProfileBurst, time.Second, 0
	}
	if l := shortest(perSecond, int64(math.Ceil(0.9*float64(total)))); w >= 4 && l*2 <= w {
		return vocab.ProfileBurst, time.Duration(l) * time.Second, 0
	}
	if w >= 4 {
		var q [4]int64
		for i, n := range perSecond {
			q[i*4/w] += int64(n)
		}
		if q[0] < q[1] && q[1] < q[2] && q[2] < q[3] && float64(q[0]) <= 0.4*float64(q[3]) {
			return vocab.ProfileRamp, time.Duration(w) * time.Second, 0
		}
	}
	return vocab.ProfilePoisson, time.Duration(w) * time.Second, float64(total) / float64(w)
}

// shortest is the length of the shortest run of seconds holding at least
// need uploads (two pointers over the curve).
func shortest(c []int32, need int64) int {
	best, lo := len(c), 0
	var sum int64
	for hi, n := range c {
		sum += int64(n)
		for sum-int64(c[lo]) >= need {
			sum -= int64(c[lo])
			lo++
		}
		if sum >= need {
			best = min(best, hi-lo+1)
		}
	}
	return best
}
