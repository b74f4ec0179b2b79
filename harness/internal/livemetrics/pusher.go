package livemetrics

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/prometheus/client_golang/prometheus"
)

// finalTries is how often the final push of a scenario is tried.
const finalTries = 3

// pushTimeout bounds one push.
const pushTimeout = 10 * time.Second

// pushCount is how many pushes were made and failed so far.
type pushCount struct {
	pushes, failures int
}

// pusher sends the registry to a remote-write receiver every interval
// while a storm runs, and once more when each scenario finishes. A push
// that fails is logged and counted, never retried on the ticker's beat
// (the next push carries the same cumulative counts), and never an error
// of the run.
type pusher struct {
	reg    prometheus.Gatherer
	url    string
	client *http.Client
	logf   func(string, ...any)

	mu      sync.Mutex // serialises pushes: a series' samples must arrive in time order
	count   pushCount
	lastErr error
	// classic is set once the receiver refused native histograms: from
	// then on only the classic series are pushed.
	classic bool

	once, stopOnce sync.Once
	quit           chan struct{}
	done           chan struct{}
}

func newPusher(reg prometheus.Gatherer, opts Options) *pusher {
	c := opts.Client
	if c == nil {
		c = &http.Client{Timeout: pushTimeout}
	}
	return &pusher{reg: reg, url: opts.RemoteWrite, client: c, logf: opts.Logf,
		quit: make(chan struct{}), done: make(chan struct{})}
}

// start begins pushing every interval; later calls do nothing.
func (p *pusher) start(interval time.Duration) {
	p.once.Do(func() {
		go func() {
			defer close(p.done)
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-p.quit:
					return
				case <-t.C:
					_ = p.pushLogged(context.Background()) // counted and logged there
				}
			}
		}()
	})
}

// stop ends the ticker's pushes; it is idempotent and safe before start.
func (p *pusher) stop() {
	p.stopOnce.Do(func() {
		p.once.Do(func() { close(p.done) }) // never started: nothing to wait for
		close(p.quit)
		<-p.done
	})
}

func (p *pusher) counts() pushCount {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// pushLogged pushes once, logging a failure after a success (or the
// first), so a receiver that is down is one line, not one per push.
func (p *pusher) pushLogged(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.pushLocked(ctx, !p.classic)
	if err != nil && !p.classic && p.pushLocked(ctx, false) == nil {
		// Prometheus 2.x without --enable-feature=native-histograms
		// refuses the whole request for one native sample.
		p.logf("metrics: %s refused native histograms (%v); pushing the classic buckets only", p.url, err)
		p.classic, err = true, nil
	}
	p.count.pushes++
	if err != nil {
		p.count.failures++
		if p.lastErr == nil {
			p.logf("metrics: remote write to %s failed: %v (the run goes on; the report will say so)", p.url, err)
		}
	}
	p.lastErr = err
	return err
}

func (p *pusher) pushLocked(ctx context.Context, native bool) error {
	fams, err := p.reg.Gather()
	if err != nil {
		return fmt.Errorf("gather: %w", err)
	}
	body := s2.EncodeSnappy(nil, encodeWriteRequest(fams, time.Now().UnixMilli(), native))
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("remote write: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	req.Header.Set("User-Agent", "rehearse")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("remote write: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("remote write: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// final pushes the final counts, trying up to finalTries times even when
// ctx was cancelled (an interrupted run's counts are worth pushing), and
// returns the report's notes on the pushes since from.
func (p *pusher) final(ctx context.Context, from pushCount) []string {
	ctx = context.WithoutCancel(ctx)
	var err error
	for try := range finalTries {
		if try > 0 {
			time.Sleep(time.Duration(try) * 500 * time.Millisecond)
		}
		if err = p.pushLogged(ctx); err == nil {
			break
		}
	}
	now := p.counts()
	failed, pushes := now.failures-from.failures, now.pushes-from.pushes
	switch {
	case err != nil:
		return []string{fmt.Sprintf("remote write to %s: the final counts were not pushed (%d of %d pushes failed, last: %v); Prometheus does not have this run's totals, the report does", p.url, failed, pushes, err)}
	case failed > 0:
		return []string{fmt.Sprintf("remote write to %s: %d of %d pushes failed during the run, so Prometheus misses points of it; the final counts were pushed", p.url, failed, pushes)}
	}
	return nil
}
