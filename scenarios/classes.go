package scenarios

import (
	"maps"
	"math"
	"math/big"
	"slices"
)

// MaxClasses is how many caller classes a scenario may declare: a caller's
// class is kept in one byte, so 5,000 callers cost 5 KB of classes.
const MaxClasses = 255

// ClassPlans resolves the caller classes as the storm uses them, in
// declaration order: each class's zero fields take the top-level values
// (records, record_bytes, timeout), its vars are laid over callers.vars,
// and its retry is merged field by field with the top-level one (mergeRetry).
// Count splits callers.count by weight exactly (splitByWeight). With no
// class declared it is one class, "default", of weight 1 holding every
// caller with the top-level settings. Call it after the defaults (Parse
// does); before them the top-level zero values pass through as they are.
func (c Callers) ClassPlans() []ClassPlan {
	if len(c.Classes) == 0 {
		return []ClassPlan{{Name: DefaultClass, Weight: 1, Count: max(c.Count, 0),
			Records: c.Records, RecordBytes: c.RecordBytes, Timeout: c.Timeout,
			Retry: mergeRetry(nil, c.Retry), Vars: overlay(c.Vars, nil)}}
	}
	weights := make([]float64, len(c.Classes))
	for i, cl := range c.Classes {
		weights[i] = cl.Weight
	}
	counts := splitByWeight(c.Count, weights)
	plans := make([]ClassPlan, len(c.Classes))
	for i, cl := range c.Classes {
		p := ClassPlan{Name: cl.Name, Weight: cl.Weight, Count: counts[i],
			Records: cl.Records, RecordBytes: cl.RecordBytes, Timeout: cl.Timeout,
			Retry: mergeRetry(cl.Retry, c.Retry), Vars: overlay(c.Vars, cl.Vars)}
		if p.Records == (Distribution{}) {
			p.Records = c.Records
		}
		if p.RecordBytes == 0 {
			p.RecordBytes = c.RecordBytes
		}
		if p.Timeout == 0 {
			p.Timeout = c.Timeout
		}
		plans[i] = p
	}
	return plans
}

// ClassNames are the names a per-class gate may use: the declared
// classes', or "default" when none is declared.
func (c Callers) ClassNames() []string {
	if len(c.Classes) == 0 {
		return []string{DefaultClass}
	}
	names := make([]string, len(c.Classes))
	for i, cl := range c.Classes {
		names[i] = cl.Name
	}
	return names
}

// mergeRetry is a class's retry policy: each zero-valued field of own takes
// top's. On is unset only when nil (on: [] retries on nothing); a budget
// written as none stays unlimited; a breaker is taken whole. own nil is
// top as it is. The result shares no slice or pointer with either.
func mergeRetry(own *Retry, top Retry) Retry {
	r := top
	if own != nil {
		r = *own
		if r.Attempts == 0 {
			r.Attempts = top.Attempts
		}
		if r.Backoff == "" {
			r.Backoff = top.Backoff
		}
		if r.Base == 0 {
			r.Base = top.Base
		}
		if r.Max == 0 {
			r.Max = top.Max
		}
		if r.Jitter == "" {
			r.Jitter = top.Jitter
		}
		if r.On == nil {
			r.On = top.On
		}
		if r.RetryAfter == "" {
			r.RetryAfter = top.RetryAfter
		}
		if !r.Budget.Set && !r.Budget.none {
			r.Budget = top.Budget
		}
		if r.Breaker == nil {
			r.Breaker = top.Breaker
		}
	}
	r.On = slices.Clone(r.On)
	if r.Breaker != nil {
		b := *r.Breaker
		r.Breaker = &b
	}
	return r
}

// overlay is a new map of top's variables with own's laid over them; nil
// when both are empty.
func overlay(top, own map[string]string) map[string]string {
	if len(top)+len(own) == 0 {
		return nil
	}
	m := maps.Clone(top)
	if m == nil {
		m = make(map[string]string, len(own))
	}
	maps.Copy(m, own)
	return m
}

// splitByWeight splits n into parts proportional to weights that add up to
// exactly n (largest remainder): each part gets the whole part of its
// quota, and the callers left over go one each to the largest fractions,
// ties to the class declared first. Quotas are exact fractions (math/big),
// so equal remainders tie whatever float64 rounding would say. A weight
// that is not > 0 (or not finite) gets nothing; when no weight is left
// (validate refuses that) every part is 0.
func splitByWeight(n int, weights []float64) []int {
	counts := make([]int, len(weights))
	ws := make([]*big.Rat, len(weights))
	total := new(big.Rat)
	for i, w := range weights {
		if w > 0 && !math.IsInf(w, 0) {
			ws[i] = new(big.Rat).SetFloat64(w)
			total.Add(total, ws[i])
		}
	}
	if n <= 0 || total.Sign() == 0 {
		return counts
	}
	frac := make([]*big.Rat, len(weights))
	left := n
	for i, w := range ws {
		if w == nil {
			continue
		}
		q := new(big.Rat).Mul(w, new(big.Rat).SetInt64(int64(n)))
		q.Quo(q, total)
		whole := new(big.Int).Quo(q.Num(), q.Denom()) // floor: q >= 0
		counts[i] = int(whole.Int64())
		frac[i] = q.Sub(q, new(big.Rat).SetInt(whole))
		left -= counts[i]
	}
	order := make([]int, 0, len(weights))
	for i := range ws {
		if ws[i] != nil {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return frac[b].Cmp(frac[a]) })
	for k := 0; left > 0; k++ { // left < len(order): each fraction is < 1
		counts[order[k]]++
		left--
	}
	return counts
}
