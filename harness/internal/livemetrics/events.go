package livemetrics

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// maxMarkers bounds the info series one scenario's events make; past it
// events are still counted (NameEvents) but get no marker of their own.
const maxMarkers = 500

// maxDetail bounds an event's detail label (an error message can be long).
const maxDetail = 120

// eventLog turns events into dashboard markers: a counter increment by
// kind, and an info series per event (NameEventTime) whose value is its
// Unix time, for a Grafana annotation query. Breaker openings, one per
// caller and possibly thousands, get one marker per second in which any
// opened. It has its own lock: the crash ledger reaches it from the
// harness's goroutine, the rest from the Aggregator's.
type eventLog struct {
	v      *vecs
	labels []string
	start  time.Time

	mu       sync.Mutex
	seq      int
	counters map[string]prometheus.Counter
	breakers map[int64]bool // seconds that have a breaker marker
}

func newEventLog(v *vecs, labels []string, start time.Time) *eventLog {
	return &eventLog{v: v, labels: labels, start: start, counters: map[string]prometheus.Counter{}, breakers: map[int64]bool{}}
}

// add counts one event of kind at offset at on the storm's clock and marks
// it while markers remain.
func (l *eventLog) add(kind, container, detail string, at time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(kind)
	l.mark(kind, container, detail, at)
}

// breaker counts a breaker opening, marking only the first of its second.
func (l *eventLog) breaker(at time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count(EventBreakerOpen)
	sec := int64(at / time.Second)
	if l.breakers[sec] || len(l.breakers) >= maxMarkers {
		return
	}
	l.breakers[sec] = true
	l.mark(EventBreakerOpen, "", "", at)
}

func (l *eventLog) count(kind string) {
	c, ok := l.counters[kind]
	if !ok {
		c = l.v.events.WithLabelValues(append(append([]string(nil), l.labels...), kind)...)
		l.counters[kind] = c
	}
	c.Inc()
}

func (l *eventLog) mark(kind, container, detail string, at time.Duration) {
	if l.seq >= maxMarkers {
		return
	}
	if len(detail) > maxDetail {
		detail = strings.ToValidUTF8(detail[:maxDetail], "")
	}
	l.seq++
	lv := append(append([]string(nil), l.labels...), kind, container, detail, strconv.Itoa(l.seq))
	l.v.eventTime.WithLabelValues(lv...).Set(float64(l.start.Add(at).UnixNano()) / 1e9)
}
