package views

import (
	"strconv"

	"github.com/rehearse-dev/rehearse/reports"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

type marker struct {
	T     float64 `json:"t"`
	Label string  `json:"label"`
	Color string  `json:"color"`
}

type chartData struct {
	T          []float64  `json:"t"`
	Sent       []int64    `json:"sent"`
	OK         []int64    `json:"ok"`
	Timeouts   []int64    `json:"timeouts"`
	Errors     []int64    `json:"errors"`
	P50        []*float64 `json:"p50"`     // successful attempts
	P99        []*float64 `json:"p99"`     // successful attempts
	P99All     []*float64 `json:"p99_all"` // all attempts that reached the service
	Inflight   []int64    `json:"inflight"`
	MemMB      []*float64 `json:"mem_mb"`
	CPU        []*float64 `json:"cpu"`
	Queue      []*int64   `json:"queue"`
	LimitMB    float64    `json:"limit_mb"`
	Markers    []marker   `json:"markers"`
	HasMem     bool       `json:"has_mem"`
	HasCPU     bool       `json:"has_cpu"`
	HasQueue   bool       `json:"has_queue"`
	Name       string     `json:"name"`
	CutStart   float64    `json:"cut_start"`
	CutEnd     float64    `json:"cut_end"`
	HasCutover bool       `json:"has_cutover"`
	// The load chart: offered vs attempts (Sent) vs goodput, with a marker
	// at each second in which circuit breakers opened. HasLoad is false
	// when it would only repeat the attempts chart: nothing was retried
	// and no breaker opened.
	Offered  []int64  `json:"offered"`
	Goodput  []int64  `json:"goodput"`
	Breakers []marker `json:"breakers"`
	HasLoad  bool     `json:"has_load"`
	// Step is how many seconds each pair of points covers (their lowest
	// and highest second): 1 when the timeline is drawn whole.
	Step    int `json:"step_s"`
	Seconds int `json:"seconds"` // of the timeline
}

// breakerColor marks the seconds in which circuit breakers opened.
const breakerColor = "#e377c2"

func chartOf(r *reports.Report) chartData { return chartOfStep(r, chartStep(len(r.Timeline))) }

// chartOfStep is r's chart data with its timeline in groups of step
// seconds (chartdown.go): a summary gives every scenario the same step,
// so that their points line up.
func chartOfStep(r *reports.Report, step int) chartData {
	d := chartData{Name: r.Scenario.Name, Markers: append(stepMarkers(r), markersOf(r)...), Breakers: breakerMarkers(r)}
	d.addTimeline(r.Timeline, step)
	d.Seconds = len(r.Timeline)
	// A synchronous service has no queue, whatever a metric says.
	d.HasQueue = d.HasQueue && !synchronous(r)
	if r.SUT.Resources != nil && r.SUT.Resources.MemoryBytes > 0 {
		d.LimitMB = float64(r.SUT.Resources.MemoryBytes) / (1 << 20)
	}
	if c := r.Cutover; c != nil {
		d.HasCutover, d.CutStart, d.CutEnd = true, c.StartS, c.EndS
	}
	d.HasLoad = r.Load.Attempts != r.Load.Offered || len(d.Breakers) > 0
	return d
}

// breakerMarkers mark each second in which circuit breakers opened, with
// how many did.
func breakerMarkers(r *reports.Report) []marker {
	ms := []marker{}
	for _, b := range r.Timeline {
		switch {
		case b.BreakerOpens == 1:
			ms = append(ms, marker{b.TS, "breaker opened", breakerColor})
		case b.BreakerOpens > 1:
			ms = append(ms, marker{b.TS, strconv.FormatInt(b.BreakerOpens, 10) + " breakers opened", breakerColor})
		}
	}
	return ms
}

// add appends one second of the timeline. Values that were not sampled, and
// latencies of a second that had none of their attempts, are null (a gap in the
// chart); a negative CPU sample (a counter that went back
// across a container restart) is not a measurement and is null too.
func (d *chartData) add(b reports.Bucket) {
	d.T = append(d.T, b.TS)
	d.Sent, d.OK, d.Timeouts, d.Errors = append(d.Sent, b.Sent), append(d.OK, b.OK), append(d.Timeouts, b.Timeouts), append(d.Errors, b.Errors)
	d.Offered, d.Goodput = append(d.Offered, b.Offered), append(d.Goodput, b.Goodput)
	// A second in which nothing succeeded (nothing reached the service)
	// has no latency (no latency of all attempts): a gap, not 0 ms.
	d.P50, d.P99, d.P99All = append(d.P50, b.P50Ms), append(d.P99, b.P99Ms), append(d.P99All, b.P99AllMs)
	d.Inflight = append(d.Inflight, b.Inflight)
	var mem *float64
	if b.SUTMemBytes != nil {
		v := float64(*b.SUTMemBytes) / (1 << 20)
		mem = &v
		d.HasMem = true
	}
	cpu := b.SUTCPU
	if cpu != nil && !(*cpu >= 0) {
		cpu = nil
	}
	d.HasCPU = d.HasCPU || cpu != nil
	d.MemMB, d.CPU, d.Queue = append(d.MemMB, mem), append(d.CPU, cpu), append(d.Queue, b.QueueDepth)
	d.HasQueue = d.HasQueue || b.QueueDepth != nil
}

// synchronous reports whether r's service answered synchronously: no
// upload was accepted for later, nor any 202 left untracked.
func synchronous(r *reports.Report) bool {
	return r.SUT.Mode == vocab.ModeSync || (r.Async == nil && r.AsyncUntracked == 0)
}

// markersOf are the crash, restart, fault and upgrade markers of r's charts.
func markersOf(r *reports.Report) []marker {
	ms := []marker{}
	for _, e := range r.Crashes.Events {
		label := e.Kind
		if e.ExitCode != 0 {
			label += " " + strconv.Itoa(e.ExitCode)
		}
		ms = append(ms, marker{e.AtS, ShortName(e.Container, r.Scenario.Name) + ": " + label, "#d62728"})
	}
	for _, e := range r.Events {
		color := ""
		switch e.Kind {
		case reports.EventFault:
			color = "#9467bd"
		case reports.EventUpgrade:
			color = "#2ca02c"
		case reports.EventRestart, reports.EventStart:
			if e.AtS <= 0 {
				continue // the initial start is not news
			}
			color = "#ff7f0e"
		default:
			continue // die/oom already come from crash events
		}
		label := string(e.Kind)
		if e.Container != "" {
			label = ShortName(e.Container, r.Scenario.Name) + " " + label
		}
		if e.Detail != "" && e.Kind != reports.EventRestart {
			label += ": " + e.Detail
		}
		ms = append(ms, marker{e.AtS, label, color})
	}
	return ms
}
