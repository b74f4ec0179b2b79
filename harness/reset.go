package harness

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// resetLog is the reset command's output file in the run's logs/.
const resetLog = "sut-reset.log"

// resetSUT runs sut.reset.command before the run — so before each run of
// run --repeat and each side of --baseline/--candidate — and waits until
// the service answers again (sut.health with 2xx, else any HTTP answer),
// before the watch looks for its containers. A reset that fails fails the
// run with its last lines. With Options.Target the scenario's own service
// is not the one attacked, and nothing is reset.
func (r *rehearsal) resetSUT(ctx context.Context) error {
	rs := r.sc.SUT.Reset
	if rs == nil || r.opts.Target != "" {
		return nil
	}
	target := strings.TrimRight(r.sut.URL, "/")
	r.opts.Logf("%s: resetting the service: %s", r.sc.Name, strings.Join(rs.Command, " "))
	cr := r.runCommand(ctx, rs.Command, resetLog, target, rs.Timeout.D())
	log := filepath.Join(r.dir, "logs", resetLog)
	if cr.err != nil {
		err := fmt.Errorf("reset sut for %s: %w; last lines:\n%s", r.sc.Name, cr.err, cr.tail)
		return errext.WithExitCodeIfNone(errext.WithHint(err, "its whole output is in "+log), errext.Environment)
	}
	var err error
	if h := r.sc.SUT.Health; h != "" {
		err = sutrun.WaitHealthy(ctx, target+h, scenarios.DefaultReadyTimeout, r.tls)
	} else {
		err = sutrun.WaitAnswering(ctx, target+"/", scenarios.DefaultReadyTimeout, r.tls)
	}
	if err != nil {
		return errext.WithExitCodeIfNone(fmt.Errorf("reset sut for %s: the service did not answer after the reset command: %w", r.sc.Name, err), errext.Environment)
	}
	return nil
}
