package storm

import (
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// retry decides whether attempt id, which failed with class and ended at
// offset end, gets another try, and when, as its caller's class behaves
// (callers.retry, docs/scenarios.md): the attempts and classes it retries on;
// the retry budget of its class, which may refuse; the backoff with the
// run's seeded jitter (the same seed gives the same schedule); the
// service's Retry-After (retryAfter, negative when absent) when the class
// honours it, capped by retry.max; and the caller's circuit breaker,
// which after too many failures in a row holds the next try back for
// breaker.open. Call it with e.mu held (e.rng, budgets).
func (e *engine) retry(id attemptID, class reports.Class, end, retryAfter time.Duration) (item, bool) {
	c, f := &e.callers[id.caller], e.flightOf(id.caller)
	r := &e.classes[c.class].Retry
	f.fails++
	if int(id.try) >= r.Attempts || !r.ShouldRetry(string(class)) || e.runCtx.Err() != nil {
		return item{}, false
	}
	if !e.budgets[c.class].spend() {
		f.budgetDenied = true
		return item{}, false
	}
	wait := r.Delay(int(id.try), e.rng)
	if r.RetryAfter == scenarios.RetryAfterHonor && retryAfter >= 0 {
		if ra := min(retryAfter, r.Max.D()); ra > wait {
			wait = ra
			f.retryAfterWaits++
		}
	}
	if b := r.Breaker; b != nil && int(f.fails) >= b.Failures {
		// Open: nothing for b.Open, then the next try is the probe; a
		// failed probe keeps fails at or above the threshold and opens it
		// again.
		wait = max(wait, b.Open.D())
		f.breakerOpens++
		e.opts.Aggregator.AddBreakerOpen(end, c.class)
	}
	return item{at: end + wait, caller: int32(id.caller), try: id.try + 1}, true
}

// budget is one class's retry budget: retries may add at most ratio of
// the first attempts sent so far (unlimited when ratio < 0). It is a
// ledger, not a rate: a storm's retries come in waves, and a budget that
// refilled with time would let each wave through.
type budget struct {
	ratio          float64
	first, retries int64
}

// newBudgets returns a budget per class.
func newBudgets(classes []scenarios.ClassPlan) []budget {
	out := make([]budget, len(classes))
	for i, c := range classes {
		out[i].ratio = -1
		if c.Retry.Budget.Set {
			out[i].ratio = c.Retry.Budget.Ratio
		}
	}
	return out
}

// spend takes one retry from the budget; false when it is spent.
func (b *budget) spend() bool {
	if b.ratio >= 0 && float64(b.retries+1) > b.ratio*float64(b.first) {
		return false
	}
	b.retries++
	return true
}
