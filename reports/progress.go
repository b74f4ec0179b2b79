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
// every PlainEvery otherwise (CI logs stay readable). Close it when the
// storm ends.
type Progress struct {
	w     io.Writer
	tty   bool
	total int64

	mu      sync.Mutex
	last    time.Time
	p       *mpb.Progress
	bar     *mpb.Bar
	live    Live
	started time.Time
}

// NewProgress starts a display of a storm of total callers on w.
func NewProgress(w io.Writer, tty bool, total int64) *Progress {
	p := &Progress{w: w, tty: tty, total: total, started: time.Now()}
	if tty {
		p.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))
		p.bar = p.p.AddBar(max(total, 1),
			mpb.PrependDecorators(decor.Name("callers "), decor.CountersNoUnit("%d/%d")),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				p.mu.Lock()
				defer p.mu.Unlock()
				return p.line()
			})))
	}
	return p
}

func (p *Progress) line() string {
	l := p.live
	return fmt.Sprintf("sent %d ok %d timeouts %d errors %d p50 %.0fms p99 %.0fms",
		l.Sent, l.OK, l.Timeouts, l.Errors, l.P50Ms, l.P99Ms)
}

// Update shows a new snapshot.
func (p *Progress) Update(l Live) {
	p.mu.Lock()
	p.live = l
	now := time.Now()
	plain := !p.tty && now.Sub(p.last) >= PlainEvery
	if plain {
		p.last = now
		fmt.Fprintf(p.w, "[%5.0fs] callers %d/%d %s\n", l.Elapsed.Seconds(), l.CallersDone, p.total, p.line())
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
