package harness

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestAbortRules: a growing count kept below a bound aborts on the first
// attempt that passes it, before its seconds have settled; a count with
// ">" waits for its window to be whole; a [last D] rate waits for D
// settled seconds. The attempts are those a storm would record.
func TestAbortRules(t *testing.T) {
	src := `name: rules
sut: {url: "http://127.0.0.1:1"}
callers: {records: 1, timeout: 1s}
arrival: {profile: steps, steps: [{rate: 10, for: 3s}, {rate: 10, for: 3s}]}
gates:
  - {gate: "timeouts[step 2] == 0", abort: true}
  - {gate: "ok[step 1] > 25", abort: true}
  - {gate: "error_rate[last 2s] < 0.5", abort: true}
`
	sc, err := scenarios.Parse(filepath.Join(t.TempDir(), "s.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	agg := reports.NewAggregator(start)
	ab := newAborter(sc, agg, start, 0)
	add := func(sent time.Duration, class reports.Class) {
		status := int32(200)
		if class != reports.ClassNone {
			status = 0
		}
		agg.AddAttempt(reports.Attempt{Try: 1, Intended: sent, Sent: sent, Latency: 10 * time.Millisecond, Status: status, Class: class})
	}
	// Step 1: 20 ok in 2 s, then a second of nothing: "ok[step 1] > 25"
	// cannot be judged before step 1's seconds have all settled (3 s + 1 s
	// timeout + 1 s).
	for i := range 20 {
		add(time.Duration(i)*100*time.Millisecond, reports.ClassNone)
	}
	timeouts, okStep1, lastRate := ab.gates[0], ab.gates[1], ab.gates[2]
	if _, failed := ab.fails(okStep1, ab.specs[1], 4*time.Second); failed {
		t.Error("ok[step 1] > 25 aborted before step 1 settled")
	}
	if v, failed := ab.fails(okStep1, ab.specs[1], 5*time.Second); !failed || v != 20 {
		t.Errorf("ok[step 1] > 25 at 5 s: %v %v, want an abort at 20", v, failed)
	}
	// One timeout sent at 3.2 s, in step 2: timeouts[step 2] == 0 can no
	// longer pass at once.
	if _, failed := ab.fails(timeouts, ab.specs[0], 3300*time.Millisecond); failed {
		t.Error("timeouts[step 2] == 0 aborted with no timeout")
	}
	add(3200*time.Millisecond, reports.ClassTimeout)
	if v, failed := ab.fails(timeouts, ab.specs[0], 3300*time.Millisecond); !failed || v != 1 {
		t.Errorf("timeouts[step 2] == 0 at 3.3 s: %v %v, want an abort at 1", v, failed)
	}
	// error_rate[last 2s], on the settled seconds (those before now - 2
	// s): at 5.5 s seconds 1-2, 10 ok; at 6.5 s seconds 2-3, one timeout
	// and nothing ok.
	if _, failed := ab.fails(lastRate, ab.specs[2], 5500*time.Millisecond); failed {
		t.Error("error_rate[last 2s] aborted on seconds 1-2, all ok")
	}
	if v, failed := ab.fails(lastRate, ab.specs[2], 6500*time.Millisecond); !failed || v != 1 {
		t.Errorf("error_rate[last 2s] at 6.5 s: %v %v, want an abort at 1", v, failed)
	}
	if h := ab.check(6500 * time.Millisecond); h == nil || h.gate != "timeouts[step 2] == 0" || h.index != 0 {
		t.Errorf("check: %+v, want the first gate that fails", h)
	}
}
