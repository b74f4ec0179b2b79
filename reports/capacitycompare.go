package reports

// CapacityCompareSchema is the value of CapacityComparison.Schema.
const CapacityCompareSchema = "rehearse.capacity-compare/v1"

// Verdicts of a capacity comparison: the candidate's capacity against the
// baseline's.
const (
	CapacityLower        = "lower"        // below the baseline's by more than the precision: exit 1
	CapacitySame         = "same"         // within the precision
	CapacityHigher       = "higher"       // above it by more than the precision
	CapacityInconclusive = "inconclusive" // the lower side's answer is only a bound (the generator was the limit) or neither side passed
)

// CapacityComparison is `rehearse capacity --baseline A --candidate B`:
// both searches on the same seeded callers, and the verdict.
type CapacityComparison struct {
	Schema    string    `json:"schema"`
	Verdict   string    `json:"verdict"`
	Precision float64   `json:"precision"`
	Baseline  *Capacity `json:"baseline"`
	Candidate *Capacity `json:"candidate"`
}

// CompareCapacity says whether cand's capacity is lower, the same or
// higher than base's, beyond precision (a fraction of the baseline's). A
// side without a capacity (nothing passed) is below any side with one.
func CompareCapacity(base, cand *Capacity, precision float64) *CapacityComparison {
	c := &CapacityComparison{Schema: CapacityCompareSchema, Precision: precision, Baseline: base, Candidate: cand}
	switch b, k := base.Capacity, cand.Capacity; {
	case b == nil && k == nil:
		c.Verdict = CapacityInconclusive
	case k == nil:
		c.Verdict = CapacityLower
	case b == nil:
		c.Verdict = CapacityHigher
	case float64(*k) < (1-precision)*float64(*b):
		c.Verdict = CapacityLower
		if cand.GeneratorLimited {
			c.Verdict = CapacityInconclusive
		}
	case float64(*k) > (1+precision)*float64(*b):
		c.Verdict = CapacityHigher
		if base.GeneratorLimited {
			c.Verdict = CapacityInconclusive
		}
	default:
		c.Verdict = CapacitySame
	}
	return c
}
