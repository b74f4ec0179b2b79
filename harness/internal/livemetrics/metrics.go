package livemetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Label names every series carries: which scenario of which run, and which
// shard of the callers sent it.
const (
	LabelScenario = "scenario"
	LabelRun      = "run"
	LabelShard    = "shard"
	LabelClass    = "class" // the caller class (reports.DefaultClass when none was declared)
)

// Metric names, following the Prometheus naming guide: the rehearse_
// prefix, base units (seconds, bytes), _total on counters.
const (
	NameAttempts        = "rehearse_attempts_total"
	NameAttemptDuration = "rehearse_attempt_duration_seconds"
	NameAborted         = "rehearse_attempts_aborted_total"
	NameGeneratorErrors = "rehearse_generator_errors_total"
	NameGeneratorLag    = "rehearse_generator_lag_seconds"
	NameRetries         = "rehearse_retries_total"
	NameCallers         = "rehearse_callers"
	NameCallersPlanned  = "rehearse_callers_planned"
	NameCompletion      = "rehearse_caller_completion_seconds"
	NameBreakerOpens    = "rehearse_breaker_opens_total"
	NameUploads         = "rehearse_uploads"
	NameMemory          = "rehearse_sut_memory_bytes"
	NameCPU             = "rehearse_sut_cpu_cores"
	NameQueueDepth      = "rehearse_sut_queue_depth"
	NameCrashes         = "rehearse_sut_crashes_total"
	NameOOMKills        = "rehearse_sut_oom_kills_total"
	NameRestarts        = "rehearse_sut_restarts_total"
	NameDowntime        = "rehearse_sut_downtime_seconds_total"
	NameEvents          = "rehearse_events_total"
	NameEventTime       = "rehearse_event_timestamp_seconds"
	NameStormStart      = "rehearse_storm_start_timestamp_seconds"
	NameStormEnd        = "rehearse_storm_end_timestamp_seconds"
)

// Caller states of NameCallers. Waiting, in flight and finished partition
// the planned callers while the storm runs; succeeded and gave up are
// known once each caller's outcome is final, at the storm's end, and are
// absent until then (unmeasured is no series, never a zero).
const (
	StateWaiting   = "waiting"   // its first attempt has not been answered yet
	StateInFlight  = "in_flight" // answered at least once, not finished
	StateFinished  = "finished"  // reached its end state
	StateSucceeded = "succeeded"
	StateGaveUp    = "gave_up"
)

// Upload states of NameUploads (asynchronous services only).
const (
	UploadAccepted = "accepted"
	UploadDone     = "done"
	UploadPending  = "pending" // accepted, not done yet
)

// OutcomeOK is the outcome label of an attempt answered 2xx/3xx; any other
// attempt's outcome is its error class (timeout, conn_refused, http_5xx, ...).
const OutcomeOK = "ok"

// Event kinds of NameEvents and NameEventTime.
const (
	EventCrash        = "crash"
	EventRestart      = "restart"
	EventFault        = "fault"
	EventUpgradeStart = "upgrade_start"
	EventUpgradeEnd   = "upgrade_end"
	EventUpgradeFail  = "upgrade_failed"
	EventBreakerOpen  = "breaker_open"
)

// latencyBuckets are the classic buckets of the duration histograms, for
// servers without native histograms: 1 ms to 2 min.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// lagBuckets are the generator lag's: its saturation threshold is 10 ms.
var lagBuckets = []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .5, 1}

// vecs are the metric vectors of one Exporter; every scenario resolves its
// children from them once.
type vecs struct {
	attempts, aborted, genErrors, retries, breakerOpens *prometheus.CounterVec
	crashes, oomKills, restarts, downtime, events       *prometheus.CounterVec
	duration, completion, lag                           *prometheus.HistogramVec
	callers, planned, uploads, memory, cpu, queue       *prometheus.GaugeVec
	eventTime, stormStart, stormEnd                     *prometheus.GaugeVec
}

func newVecs(reg prometheus.Registerer) *vecs {
	base := []string{LabelScenario, LabelRun, LabelShard}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	counter := func(name, help string, labels []string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		reg.MustRegister(c)
		return c
	}
	gauge := func(name, help string, labels []string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		reg.MustRegister(g)
		return g
	}
	hist := func(name, help string, buckets []float64, labels []string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: name, Help: help, Buckets: buckets,
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  160,
			NativeHistogramMinResetDuration: time.Hour,
		}, labels)
		reg.MustRegister(h)
		return h
	}
	return &vecs{
		attempts:     counter(NameAttempts, "Attempts that reached (or tried to reach) the service, by outcome: ok or the error class. Their sum is report.json's requests.total.", with(LabelClass, "outcome")),
		aborted:      counter(NameAborted, "Attempts cut off by the run's own stop (requests.aborted): neither the service's success nor its failure.", base),
		genErrors:    counter(NameGeneratorErrors, "Attempts that failed on this machine before reaching the service (generator.errors): such a run is invalid.", with("error_class")),
		retries:      counter(NameRetries, "Attempts after a caller's first (callers.retries).", with(LabelClass)),
		breakerOpens: counter(NameBreakerOpens, "Times a caller's circuit breaker opened.", with(LabelClass)),
		crashes:      counter(NameCrashes, "Unexpected deaths of SUT containers or processes; absent when rehearse did not start the service.", base),
		oomKills:     counter(NameOOMKills, "Crashes that were OOM kills; absent when not measured.", base),
		restarts:     counter(NameRestarts, "Restarts of SUT units; absent when not measured.", base),
		downtime:     counter(NameDowntime, "Seconds the SUT's health check failed; absent when not measured.", base),
		events:       counter(NameEvents, "Events for dashboards: crash, restart, fault, upgrade_start, upgrade_end, upgrade_failed, breaker_open.", with("kind")),
		duration:     hist(NameAttemptDuration, "Latency of attempts that reached the service, failures included: report.json's latency_all_ms, not latency_ms (native histogram, classic buckets too).", latencyBuckets, with(LabelClass)),
		completion:   hist(NameCompletion, "First attempt's intended send to the data being safe, of callers that succeeded; observed when outcomes are final.", latencyBuckets, with(LabelClass)),
		lag:          hist(NameGeneratorLag, "How late the generator sent each attempt behind its schedule.", lagBuckets, base),
		callers:      gauge(NameCallers, "Callers by state: waiting, in_flight, finished while the storm runs; succeeded, gave_up once outcomes are final.", with("state")),
		planned:      gauge(NameCallersPlanned, "Callers planned (first attempts) for this shard.", base),
		uploads:      gauge(NameUploads, "Asynchronous uploads: accepted, done (terminal) and pending so far.", with("state")),
		memory:       gauge(NameMemory, "Working set of each SUT container, last sample.", with("container")),
		cpu:          gauge(NameCPU, "CPU of each SUT container in cores, last sample.", with("container")),
		queue:        gauge(NameQueueDepth, "Queue depth each SUT container reports, last sample.", with("container")),
		eventTime:    gauge(NameEventTime, "Unix time of each event (an info series per event, for Grafana annotations).", with("kind", "container", "detail", "seq")),
		stormStart:   gauge(NameStormStart, "Unix time the storm's clock started.", base),
		stormEnd:     gauge(NameStormEnd, "Unix time the storm ended; absent while it runs.", base),
	}
}
