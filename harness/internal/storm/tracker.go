package storm

import (
	"container/heap"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Poll backoff: an accepted upload is polled at once, then pollFirst
// later, each wait twice the one before, up to pollMax.
const (
	pollFirst = 100 * time.Millisecond
	pollMax   = 2 * time.Second
)

// tracker follows accepted uploads to their end. Each upload is polled on
// its own backoff, earliest due first, by a bounded pool of pollers, so an
// upload the service never finishes holds up no other. mu guards due,
// busy and closed; it is never held while taking engine.mu.
type tracker struct {
	ctx    context.Context // ends when the drain timeout runs out or the run stops
	cancel context.CancelFunc
	ranOut atomic.Bool // the drain timeout ran out: what is left is lost, not pending

	mu     sync.Mutex
	due    schedule // each tracked upload's next poll; item.try numbers the polls
	busy   int      // uploads handed to a poller and not back yet
	closed bool     // the storm is over: nothing more will be accepted
	wake   chan struct{}

	accepted, ended atomic.Int64 // uploads tracked, and those that reached their end
}

func newTracker(runCtx context.Context) *tracker {
	ctx, cancel := context.WithCancel(runCtx)
	return &tracker{ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1)}
}

// add tracks caller's upload, accepted at offset now: its first poll is due at once.
func (t *tracker) add(caller int, now time.Duration) {
	t.accepted.Add(1)
	t.mu.Lock()
	heap.Push(&t.due, item{at: now, caller: int32(caller), try: 1})
	t.mu.Unlock()
	t.signal()
}

// close says the storm is over and starts the drain: tracking ends when
// every upload ended, or timeout from now. Call stop once tracking ended.
func (t *tracker) close(timeout time.Duration) (stop func() bool) {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.signal()
	return time.AfterFunc(timeout, func() {
		// Only a drain still running runs out; a stopped run leaves pending.
		if t.ctx.Err() == nil {
			t.ranOut.Store(true)
		}
		t.cancel()
	}).Stop
}

// next blocks until an upload's poll is due and returns it; ok is false
// once tracking is over (every upload ended after the storm, the drain
// timeout ran out, or the run stopped). Only one goroutine calls next.
func (t *tracker) next(start time.Time) (it item, ok bool) {
	for {
		t.mu.Lock()
		if t.ctx.Err() != nil || len(t.due) == 0 && t.closed && t.busy == 0 {
			t.mu.Unlock()
			return item{}, false
		}
		wait := time.Hour
		if len(t.due) > 0 {
			wait = t.due[0].at - time.Since(start)
			if wait <= 0 {
				it = heap.Pop(&t.due).(item)
				t.busy++
				t.mu.Unlock()
				return it, true
			}
		}
		t.mu.Unlock()
		timer := time.NewTimer(wait)
		select {
		case <-t.wake:
		case <-timer.C:
		case <-t.ctx.Done():
		}
		timer.Stop()
	}
}

// back takes an upload back from its poll at offset now: ended, or due
// again after its backoff.
func (t *tracker) back(it item, ended bool, now time.Duration) {
	t.mu.Lock()
	t.busy--
	if !ended {
		heap.Push(&t.due, item{at: now + pollWait(it.try), caller: it.caller, try: it.try + 1})
	}
	t.mu.Unlock()
	if ended {
		t.ended.Add(1)
	}
	t.signal()
}

func (t *tracker) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// pollWait is the wait after the polls-th poll of an upload.
func pollWait(polls int32) time.Duration {
	d := pollFirst
	for i := int32(1); i < polls && d < pollMax; i++ {
		d *= 2
	}
	return min(d, pollMax)
}
