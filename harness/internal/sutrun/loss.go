package sutrun

import (
	"fmt"
	"strings"
)

// loss is a kind of observation the watch could not make: each feeds a
// number of the report, which is then possibly incomplete.
type loss int

const (
	lossEvents loss = iota // the Docker event stream failed: crashes, OOM kills, restarts
	lossStats              // a stats stream failed: memory and CPU samples
	lossLogs               // a log follower failed: the SUT's logs in logs/
)

// what each loss makes uncertain, for the report's note.
var lossNote = map[loss]string{
	lossEvents: "crash watch lost the Docker event stream %s; crashes, OOM kills and restarts may be undercounted",
	lossStats:  "resource sampling failed %s; memory and CPU charts have gaps",
	lossLogs:   "log following failed %s; logs/ may miss lines",
}

// lost records that an observation failed: counted for the report's notes
// and logged, never dropped (a blind watch must not read as "0 crashes").
func (d *Deployment) lost(k loss, err error) {
	d.mu.Lock()
	if d.losses == nil {
		d.losses = map[loss]int{}
	}
	d.losses[k]++
	d.mu.Unlock()
	d.opts.Logf("watch: %v", err)
}

// Notes are the report's remarks on what the watch could not observe, e.g.
// "crash watch lost the Docker event stream 2 times; crashes may be
// undercounted". Empty when nothing was lost.
func (d *Deployment) Notes() []string {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, k := range []loss{lossEvents, lossStats, lossLogs} {
		if n := d.losses[k]; n > 0 {
			out = append(out, fmt.Sprintf(lossNote[k], times(n)))
		}
	}
	return out
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strings.TrimSpace(fmt.Sprintf("%d times", n))
}
