package storm

import (
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// retry decides whether attempt id, which failed with class and ended at
// offset end, gets another try, and when: the callers' retry policy
// (attempts, classes, backoff) with the run's seeded jitter, so the same
// seed gives the same retry schedule. Call it with e.mu held (e.rng).
func (e *engine) retry(id attemptID, class reports.Class, end time.Duration) (item, bool) {
	r := e.sc.Callers.Retry
	if int(id.try) >= r.Attempts || !r.ShouldRetry(string(class)) || e.runCtx.Err() != nil {
		return item{}, false
	}
	return item{at: end + r.Delay(int(id.try), e.rng), caller: id.caller, try: id.try + 1}, true
}
