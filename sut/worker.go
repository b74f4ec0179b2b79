package sut

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/bits"
	"sync"
	"time"
)

// workUnits is the cost model's CPU work for an upload of n records:
// n*ceil(log2(n+1)) units, faster than linear like the seed's nested loops.
func workUnits(n int) int {
	if n <= 0 {
		return 0
	}
	return n * bits.Len(uint(n))
}

// process applies the cost model to an upload of n records: the query
// delay, the CPU work, and RecordMem bytes per record held throughout.
// It returns early, unprocessed, when ctx ends during the query delay.
func process(ctx context.Context, n int, cfg Config) bool {
	var held []byte
	if cfg.RecordMem > 0 {
		held = make([]byte, n*cfg.RecordMem)
		for i := 0; i < len(held); i += 4096 {
			held[i] = 1 // touch every page so it is really resident
		}
	}
	if cfg.QueryDelay > 0 {
		t := time.NewTimer(cfg.QueryDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
	var sum [32]byte
	for u := workUnits(n); u > 0; u-- {
		for r := 0; r < cfg.RecordCost; r++ {
			sum = sha256.Sum256(append(sum[:], byte(u), byte(r)))
		}
	}
	if len(held) > 0 {
		held[len(held)-1] = sum[0]
	}
	return true
}

// worker runs the async processing: a pool that picks uploads as they
// arrive, or, with Schedule set, a job that drains the backlog every
// interval (the seed's scheduled task).
type worker struct {
	st     *boltStore
	rec    *recordStore
	cfg    Config
	m      *metrics
	wake   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startWorkers(st *boltStore, rec *recordStore, cfg Config, m *metrics) *worker {
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{st: st, rec: rec, cfg: cfg, m: m, wake: make(chan struct{}, 1), cancel: cancel}
	for i := 0; i < cfg.Workers; i++ {
		w.wg.Add(1)
		go w.loop(ctx)
	}
	return w
}

func (w *worker) notify() {
	if w.cfg.Schedule > 0 {
		return // the scheduled job runs on its own clock
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *worker) loop(ctx context.Context) {
	defer w.wg.Done()
	every := time.Second // safety poll between notifications
	if w.cfg.Schedule > 0 {
		every = w.cfg.Schedule
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		// Drain the backlog, then wait for the next wake-up or tick.
		for ctx.Err() == nil {
			id, n, ok, err := w.st.claim()
			if err != nil || !ok {
				break
			}
			if !process(ctx, n, w.cfg) {
				_ = w.st.requeue(id) // shutting down: leave it for the next start
				return
			}
			// Records before done: a crash in between processes the upload
			// again, and storing the same ids twice changes nothing.
			if err := keepRecords(w.st, w.rec, id); err != nil {
				if !errors.Is(err, errBadBody) {
					w.cfg.Log.Error("store records; upload requeued", "upload", id, "err", err)
					_ = w.st.requeue(id)
					break // retry at the next tick, not in a hot loop
				}
				w.cfg.Log.Error("upload failed", "upload", id, "err", err)
				_, _ = w.st.finish(id, StatusFailed)
				continue
			}
			if _, err := w.st.finish(id, StatusDone); err == nil {
				w.m.processed.Inc()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-tick.C:
		}
	}
}

// stop cancels the workers; an upload in its query delay is requeued, one
// in CPU work finishes first. It waits until ctx ends at most.
func (w *worker) stop(ctx context.Context) error {
	w.cancel()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bucket is a token bucket of rate tokens per second, burst = max(1, rate).
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newBucket(rate float64, now func() time.Time) *bucket {
	b := max(1, rate)
	return &bucket{rate: rate, burst: b, tokens: b, last: now(), now: now}
}

// take takes a token; when none is left it returns how long until one is.
func (b *bucket) take() (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second)), false
}
