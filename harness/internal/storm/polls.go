package storm

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/rehearse-dev/rehearse/reports"
)

// pollCount counts the status polls, and those whose answer was not a
// readable status by code, keeping the first as an example.
type pollCount struct {
	total atomic.Int64

	mu      sync.Mutex
	errs    map[string]int64
	example string
}

func (p *pollCount) sent() { p.total.Add(1) }

// failed counts a poll that was not a readable status: code is its HTTP
// status, 0 when nothing answered. example is called for the first only,
// and must return text already redacted.
func (p *pollCount) failed(code int, example func() string) {
	key := reports.PollConn
	if code != 0 {
		key = strconv.Itoa(code)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.errs == nil {
		p.errs = map[string]int64{}
		p.example = example()
	}
	p.errs[key]++
}

// stats are the counts as the report keeps them.
func (p *pollCount) stats() reports.PollStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return reports.PollStats{Total: p.total.Load(), Errors: p.errs, Example: p.example}
}
