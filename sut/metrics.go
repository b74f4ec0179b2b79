package sut

import (
	"net/http"
	"runtime"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus metrics, on a private registry.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	inflight  prometheus.Gauge
	processed prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uploadsvc_requests_total", Help: "HTTP requests by status code."}, []string{"code"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "uploadsvc_inflight_requests", Help: "Requests being served."}),
		processed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "uploadsvc_processed_total", Help: "Uploads processed to done."}),
	}
	m.reg.MustRegister(m.requests, m.inflight, m.processed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "uploadsvc_heap_bytes", Help: "Go heap in use."}, func() float64 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return float64(ms.HeapInuse)
		}))
	return m
}

func (m *metrics) handler(queueDepth func() float64) http.Handler {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: MetricQueueDepth, Help: "Uploads queued or processing (0 in sync mode)."}, queueDepth))
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// recordGauges exposes the record store's counts, so a rehearsal's
// metrics show an upgrade hiding data (stored stays, visible drops) and a
// migration bringing it back.
func (m *metrics) recordGauges(rs *recordStore) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricRecordsVisible,
			Help: "Records of the running schema version: what callers can read back."},
			func() float64 { return float64(rs.visible.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricRecordsStored,
			Help: "Records in the store, of every schema version."},
			func() float64 { return float64(rs.stored.Load()) }))
}

// instrument counts requests by code and in flight.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inflight.Inc()
		defer m.inflight.Dec()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		m.requests.WithLabelValues(strconv.Itoa(rec.code)).Inc()
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}
