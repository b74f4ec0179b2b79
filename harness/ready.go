package harness

import (
	"context"
	"fmt"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// readyPath is where the service says it is ready after a deploy or a
// reset: upgrade.ready.path, upgrade.health, sut.health, then the SUT's
// own health path (an image's, the reference services', sut.watch.health);
// "" when none is known, and then any HTTP answer at the target will do.
func readyPath(sc *scenarios.Scenario, dep *sutrun.Deployment) string {
	if up := sc.Upgrade; up != nil {
		if up.Ready != nil && up.Ready.Path != "" {
			return up.Ready.Path
		}
		if up.Health != "" {
			return up.Health
		}
	}
	if sc.SUT.Health != "" {
		return sc.SUT.Health
	}
	return dep.HealthPath()
}

// readyTimeout bounds the wait for the service after a deploy command.
func readyTimeout(sc *scenarios.Scenario) scenarios.Duration {
	if up := sc.Upgrade; up != nil && up.Ready != nil {
		return up.Ready.Timeout
	}
	return scenarios.Duration(scenarios.DefaultReadyTimeout)
}

// waitReady waits until the service at the deployment's target answers:
// its ready path with 2xx, or — without one — any HTTP answer at all.
func (r *rehearsal) waitReady(ctx context.Context, dep *sutrun.Deployment) error {
	target, path, timeout := dep.Target(), readyPath(r.sc, dep), readyTimeout(r.sc).D()
	if path != "" {
		if err := sutrun.WaitHealthy(ctx, target+path, timeout, r.tls); err != nil {
			return fmt.Errorf("wait for %s%s to answer 2xx: %w", target, path, err)
		}
		return nil
	}
	if err := sutrun.WaitAnswering(ctx, target+"/", timeout, r.tls); err != nil {
		return fmt.Errorf("wait for %s to answer: %w", target, err)
	}
	return nil
}
