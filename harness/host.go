package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/sutrun"
)

// clearHost looks at the other rehearsals on this Docker engine before a
// run measures anything. A dead run's containers (its process is gone, e.g.
// kill -9) still burn CPU and memory: they are removed, and the run says
// so. A live run's are another rehearsal competing for this machine: they
// are left alone, and the run warns loudly and notes that it was measured
// alongside. It returns the notes for the report; a Docker error is left
// to the SUT's start, which reports it properly.
func clearHost(ctx context.Context, self string, logf func(string, ...any)) []string {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	others, err := sutrun.OtherRuns(cctx, self)
	if err != nil {
		return nil
	}
	var notes []string
	for _, o := range others {
		if o.Alive {
			logf("WARNING: another rehearsal (run %s: %s) is running on this Docker engine; its load competes with this run's measurements",
				o.ID, strings.Join(o.Containers, ", "))
			notes = append(notes, fmt.Sprintf("measured while another rehearsal was running (run %s)", o.ID))
			continue
		}
		s, err := sutrun.SweepRun(cctx, o.ID)
		if err != nil {
			logf("could not remove the leftovers of dead run %s: %v (run `rehearse sweep --run %s`)", o.ID, err, o.ID)
			notes = append(notes, fmt.Sprintf("containers of dead run %s could not be removed and may have competed with this run", o.ID))
			continue
		}
		logf("removed %d containers and %d volumes of run %s, whose process is gone", s.Containers, s.Volumes, o.ID)
		notes = append(notes, fmt.Sprintf("removed %d containers left by dead run %s before starting", s.Containers, o.ID))
	}
	return notes
}
