package storm

import (
	"math/rand/v2"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// policy is one caller class's client behaviour after a failed attempt
// (callers.retry, docs/scenarios.md): the tries and failures it retries;
// its retry budget, which may refuse; the backoff with the run's seeded
// jitter (the same seed gives the same schedule); the service's
// Retry-After when the class honours it, capped by retry.max; and a
// circuit breaker per caller, which after too many failures in a row
// holds the next try back for breaker.open. It knows nothing of the
// engine: the engine keeps the callers' counts and acts on its answer.
type policy struct {
	retry  *scenarios.Retry
	budget budget
}

// newPolicies returns the policy of each class.
func newPolicies(classes []scenarios.ClassPlan) []policy {
	out := make([]policy, len(classes))
	for i := range classes {
		out[i] = policy{retry: &classes[i].Retry, budget: budget{ratio: -1}}
		if b := classes[i].Retry.Budget; b.Set {
			out[i].budget.ratio = b.Ratio
		}
	}
	return out
}

// retryPlan is a policy's answer for one failed attempt.
type retryPlan struct {
	retry        bool          // the caller tries again ...
	wait         time.Duration // ... this long after the failure
	budgetDenied bool          // refused by the class's budget (no retry)
	retryAfter   bool          // the wait is the service's Retry-After
	breakerOpen  bool          // the caller's breaker opened: the wait is at least breaker.open
}

// next is what follows a failure of class on try (from 1) of a caller
// whose failures in a row are now fails; retryAfter is the answer's
// Retry-After, negative when absent. rng draws the backoff's jitter.
func (p *policy) next(try int32, class reports.Class, fails int32, retryAfter time.Duration, rng *rand.Rand) retryPlan {
	r := p.retry
	if int(try) >= r.Attempts || !r.ShouldRetry(string(class)) {
		return retryPlan{}
	}
	if !p.budget.spend() {
		return retryPlan{budgetDenied: true}
	}
	plan := retryPlan{retry: true, wait: r.Delay(int(try), rng)}
	if r.RetryAfter == scenarios.RetryAfterHonor && retryAfter >= 0 {
		if ra := min(retryAfter, r.Max.D()); ra > plan.wait {
			plan.wait, plan.retryAfter = ra, true
		}
	}
	if b := r.Breaker; b != nil && int(fails) >= b.Failures {
		// Open: nothing for b.Open, then the next try is the probe; a
		// failed probe keeps fails at or above the threshold and opens it
		// again.
		plan.wait, plan.breakerOpen = max(plan.wait, b.Open.D()), true
	}
	return plan
}

// budget is one class's retry budget: retries may add at most ratio of
// the first attempts sent so far (unlimited when ratio < 0). It is a
// ledger, not a rate: a storm's retries come in waves, and a budget that
// refilled with time would let each wave through.
type budget struct {
	ratio          float64
	first, retries int64
}

// spend takes one retry from the budget; false when it is spent.
func (b *budget) spend() bool {
	if b.ratio >= 0 && float64(b.retries+1) > b.ratio*float64(b.first) {
		return false
	}
	b.retries++
	return true
}
