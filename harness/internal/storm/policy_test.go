package storm

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestPolicy: a class's policy alone, without a storm — the tries and the
// failures it retries, a budget of a fifth of the first attempts that
// refuses the third retry of ten first attempts, a Retry-After honoured
// up to retry.max, and a breaker that opens at three failures in a row.
func TestPolicy(t *testing.T) {
	plans := []scenarios.ClassPlan{{Retry: scenarios.Retry{Attempts: 4, Backoff: scenarios.BackoffConstant,
		Base: scenarios.Duration(time.Second), Max: scenarios.Duration(5 * time.Second), Jitter: scenarios.JitterNone,
		On: []string{"timeout", "429"}, RetryAfter: scenarios.RetryAfterHonor,
		Budget:  scenarios.Budget{Ratio: 0.2, Set: true},
		Breaker: &scenarios.Breaker{Failures: 3, Open: scenarios.Duration(30 * time.Second)}}}}
	p := &newPolicies(plans)[0]
	p.budget.first = 10
	rng := rand.New(rand.NewPCG(1, 2))
	never := time.Duration(-1)
	for _, c := range []struct {
		what       string
		try, fails int32
		class      reports.Class
		retryAfter time.Duration
		want       retryPlan
	}{
		{"the last try", 4, 1, reports.ClassTimeout, never, retryPlan{}},
		{"a class not retried", 1, 1, reports.ClassHTTP5xx, never, retryPlan{}},
		{"a timeout: the backoff", 1, 1, reports.ClassTimeout, never, retryPlan{retry: true, wait: time.Second}},
		{"a 429 with Retry-After: 3s", 2, 2, reports.ClassHTTP429, 3 * time.Second, retryPlan{retry: true, wait: 3 * time.Second, retryAfter: true}},
		{"the budget spent", 2, 1, reports.ClassTimeout, never, retryPlan{budgetDenied: true}},
	} {
		if got := p.next(c.try, c.class, c.fails, c.retryAfter, rng); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.what, got, c.want)
		}
	}
	p.budget.first = 100
	got := p.next(3, reports.ClassHTTP429, 3, 60*time.Second, rng)
	if want := (retryPlan{retry: true, wait: 30 * time.Second, retryAfter: true, breakerOpen: true}); got != want {
		t.Errorf("Retry-After 60s capped at 5s, breaker open for 30s: %+v, want %+v", got, want)
	}
}
