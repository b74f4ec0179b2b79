package reports

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// PlainEvery is how often a non-terminal progress display prints a line.
const PlainEvery = 5 * time.Second

// Progress shows a running storm: a live bar on a terminal, one plain line
// every PlainEvery otherwise (CI logs stay readable), and at once when the
// run enters its drain. Every line has one clock, the time since the storm
// started (Live.Elapsed), and labelled counts. Close it when the storm ends.
type Progress struct {
	w     io.Writer
	tty   bool
	total int64

	mu   sync.Mutex
	last time.Time
	p    *mpb.Progress
	bar  *mpb.Bar
	live Live
}

// NewProgress starts a display of a storm of total callers on w.
func NewProgress(w io.Writer, tty bool, total int64) *Progress {
	p := &Progress{w: w, tty: tty, total: total, live: Live{Phase: PhaseStorm}}
	if tty {
		p.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))
		// One above the callers: a bar completes (and stops redrawing) when
		// its count reaches its total, and the drain follows the last caller.
		p.bar = p.p.AddBar(max(total, 0)+1,
			mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
				p.mu.Lock()
				defer p.mu.Unlock()
				return clock(p.live)
			})),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				p.mu.Lock()
				defer p.mu.Unlock()
				return p.counts()
			})))
	}
	return p
}

// clock is the line's one clock: seconds since the storm started.
func clock(l Live) string { return fmt.Sprintf("[storm+%6.1fs]", l.Elapsed.Seconds()) }

// counts is the labelled counts of the current phase.
func (p *Progress) counts() string {
	l := p.live
	if l.Phase == PhaseDrain {
		q := NotMeasured
		if l.QueueDepth != nil {
			q = Count(*l.QueueDepth)
		}
		return fmt.Sprintf("drain: accepted %d done %d pending %d queue %s", l.Accepted, l.Done, l.Pending, q)
	}
	total := l.CallersTotal
	if total <= 0 {
		total = p.total
	}
	s := fmt.Sprintf("callers done %d/%d  sent %d  ok %d  timeouts %d  errors %d  ",
		l.CallersDone, total, l.Sent, l.OK, l.Timeouts, l.Errors)
	// Of the successful attempts only, as the report's latency_ms: fast
	// failures would read as a fast service.
	if l.P50Ms != nil && l.P99Ms != nil {
		s += fmt.Sprintf("latency (successful) p50 %.0f ms  p99 %.0f ms", *l.P50Ms, *l.P99Ms)
	} else {
		s += "latency (successful) none yet"
	}
	if l.GeneratorErrors > 0 {
		s += fmt.Sprintf("  generator errors %d", l.GeneratorErrors)
	}
	if l.Accepted > 0 {
		s += fmt.Sprintf("  accepted %d done %d", l.Accepted, l.Done)
	}
	return s
}

// Update shows a new snapshot.
func (p *Progress) Update(l Live) {
	if l.Phase == "" {
		l.Phase = PhaseStorm
	}
	p.mu.Lock()
	phaseChanged := l.Phase != p.live.Phase
	p.live = l
	now := time.Now()
	if !p.tty && (phaseChanged || now.Sub(p.last) >= PlainEvery) {
		p.last = now
		fmt.Fprintf(p.w, "%s %s\n", clock(l), p.counts())
	}
	p.mu.Unlock()
	if p.bar != nil {
		p.bar.SetCurrent(l.CallersDone)
	}
}

// Close ends the display.
func (p *Progress) Close() {
	if p.bar != nil {
		p.bar.SetTotal(-1, true)
		p.p.Wait()
	}
}
