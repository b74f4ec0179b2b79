package reports

import "strconv"

// maxPoints bounds each chart's series; longer timelines are thinned.
const maxPoints = 2000

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
	P50        []float64  `json:"p50"`
	P99        []float64  `json:"p99"`
	Inflight   []int64    `json:"inflight"`
	MemMB      []*float64 `json:"mem_mb"`
	CPU        []*float64 `json:"cpu"`
	Queue      []*int64   `json:"queue"`
	LimitMB    float64    `json:"limit_mb"`
	Markers    []marker   `json:"markers"`
	HasMem     bool       `json:"has_mem"`
	HasQueue   bool       `json:"has_queue"`
	Name       string     `json:"name"`
	CutStart   float64    `json:"cut_start"`
	CutEnd     float64    `json:"cut_end"`
	HasCutover bool       `json:"has_cutover"`
}

func chartOf(r *Report) chartData {
	d := chartData{Name: r.Scenario.Name, Markers: []marker{}}
	step := 1
	if len(r.Timeline) > maxPoints {
		step = (len(r.Timeline) + maxPoints - 1) / maxPoints
	}
	for i := 0; i < len(r.Timeline); i += step {
		b := r.Timeline[i]
		d.T = append(d.T, b.TS)
		d.Sent, d.OK, d.Timeouts, d.Errors = append(d.Sent, b.Sent), append(d.OK, b.OK), append(d.Timeouts, b.Timeouts), append(d.Errors, b.Errors)
		d.P50, d.P99, d.Inflight = append(d.P50, b.P50Ms), append(d.P99, b.P99Ms), append(d.Inflight, b.Inflight)
		var mem *float64
		if b.SUTMemBytes != nil {
			v := float64(*b.SUTMemBytes) / (1 << 20)
			mem = &v
			d.HasMem = true
		}
		d.MemMB, d.CPU, d.Queue = append(d.MemMB, mem), append(d.CPU, b.SUTCPU), append(d.Queue, b.QueueDepth)
		if b.QueueDepth != nil {
			d.HasQueue = true
		}
	}
	if r.SUT.Resources != nil && r.SUT.Resources.MemoryBytes > 0 {
		d.LimitMB = float64(r.SUT.Resources.MemoryBytes) / (1 << 20)
	}
	for _, e := range r.Crashes.Events {
		label := e.Kind
		if e.ExitCode != 0 {
			label += " " + strconv.Itoa(e.ExitCode)
		}
		d.Markers = append(d.Markers, marker{e.AtS, ShortName(e.Container, r.Scenario.Name) + ": " + label, "#d62728"})
	}
	for _, e := range r.Events {
		color := ""
		switch e.Kind {
		case "fault":
			color = "#9467bd"
		case "upgrade":
			color = "#2ca02c"
		case "restart", "start":
			if e.AtS <= 0 {
				continue // the initial start is not news
			}
			color = "#ff7f0e"
		default:
			continue // die/oom already come from crash events
		}
		label := e.Kind
		if e.Container != "" {
			label = ShortName(e.Container, r.Scenario.Name) + " " + label
		}
		if e.Detail != "" && e.Kind != "restart" {
			label += ": " + e.Detail
		}
		d.Markers = append(d.Markers, marker{e.AtS, label, color})
	}
	if c := r.Cutover; c != nil {
		d.HasCutover, d.CutStart, d.CutEnd = true, c.StartS, c.EndS
	}
	return d
}
