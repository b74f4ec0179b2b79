package storm

import (
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// retry decides whether attempt id, which failed with class and ended at
// offset end, gets another try, and when: its caller's class's policy
// (policy.go) answers, the caller's flight keeps the counts the report
// gives (failures in a row, budget refusals, Retry-After waits, breaker
// openings), and a run that has stopped retries nothing. retryAfter is
// the answer's Retry-After, negative when absent. Call it with e.mu held
// (e.rng, the budgets).
func (e *engine) retry(id attemptID, class reports.Class, end, retryAfter time.Duration) (item, bool) {
	c, f := &e.callers[id.caller], e.flightOf(id.caller)
	f.fails++
	if e.runCtx.Err() != nil {
		return item{}, false
	}
	plan := e.policies[c.class].next(id.try, class, f.fails, retryAfter, e.rng)
	f.budgetDenied = f.budgetDenied || plan.budgetDenied
	if plan.retryAfter {
		f.retryAfterWaits++
	}
	if plan.breakerOpen {
		f.breakerOpens++
		e.opts.Aggregator.AddBreakerOpen(end, c.class)
	}
	if !plan.retry {
		return item{}, false
	}
	return item{at: end + plan.wait, caller: int32(id.caller), try: id.try + 1}, true
}
