package harness

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// scheduleUpgrade runs the upgrade at upgrade.at on the run's clock: to a
// new SUT by rolling or recreate, or by the team's own deploy command. The
// cutover window lasts until it is over (for a command: until it exited
// and the service answers again, waitReady); only then is the data read
// back (data.verify).
// Without an upgrade, there is nothing to verify after.
func (r *rehearsal) scheduleUpgrade(ctx context.Context, wg *sync.WaitGroup, dep *sutrun.Deployment, data *dataRun) {
	up := r.sc.Upgrade
	if up == nil {
		data.markVerified()
		return
	}
	atOffset(ctx, wg, r.stormStart, up.At.D(), func() {
		defer data.markVerified()
		down0 := downtime(dep)
		strategy := string(up.Strategy)
		if up.Deploys() {
			strategy = "command"
		}
		r.agg.BeginCutover(strategy, time.Since(r.stormStart))
		if up.Deploys() {
			r.deployUnderLoad(ctx, dep)
		} else if err := dep.Upgrade(ctx, up.To, string(up.Strategy)); err != nil {
			r.opts.Logf("upgrade (%s) at %s: %v", up.Strategy, up.At.D(), err)
			r.agg.AddEvent(reports.Event{AtS: time.Since(r.stormStart).Seconds(), Kind: reports.EventUpgrade, Detail: "upgrade failed: " + err.Error()})
		}
		r.agg.EndCutover(time.Since(r.stormStart), downtime(dep)-down0)
		r.verify(ctx, data, dep.Target(), scenarios.VerifyAfterUpgrade)
	})
}

// deployUnderLoad runs the deploy command and records it: events at its
// start and at the end of the cutover (the command exited and the service
// answered: runDeploy), its exit code and duration in the cutover, and —
// when it failed — the outcome that fails the rehearsal (assemble).
func (r *rehearsal) deployUnderLoad(ctx context.Context, dep *sutrun.Deployment) {
	at := func() float64 { return time.Since(r.stormStart).Seconds() }
	r.agg.AddEvent(reports.Event{AtS: at(), Kind: reports.EventUpgrade, Detail: "deploy command started: " + strings.Join(deployCommand(r.sc.Upgrade), " ")})
	r.opts.Logf("%s: running the upgrade command: %s", r.sc.Name, strings.Join(deployCommand(r.sc.Upgrade), " "))
	out := r.runDeploy(ctx, dep)
	r.agg.SetCutoverCommand(out.command, out.exitCode, out.took)
	detail := fmt.Sprintf("deploy command exited %d after %.1f s; the service answered %.1f s later", out.exitCode, out.took.Seconds(), out.ready.Seconds())
	if out.err != nil {
		detail = "deploy command failed: " + out.err.Error()
		r.opts.Logf("%s: %s\n%s", r.sc.Name, detail, out.tail)
	}
	r.agg.AddEvent(reports.Event{AtS: at(), Kind: reports.EventUpgrade, Detail: detail})
	r.mu.Lock()
	r.deploy = &out
	r.mu.Unlock()
}

// deployGate is the failed deploy command as a failing gate, so the
// verdict, the tables and JUnit all say the rehearsal failed and why.
func deployGate(out *deployOutcome) *reports.GateResult {
	if out == nil || out.err == nil {
		return nil
	}
	reason := out.err.Error()
	if out.tail != "" {
		reason += "; last lines:\n" + out.tail
	}
	return &reports.GateResult{Expr: "upgrade command succeeded", Reason: reason}
}
