package reports

import (
	"slices"
	"time"
)

// HistorySchema is the value of History.Schema.
const HistorySchema = "rehearse.history/v1"

// Defaults of HistoryOptions.
const (
	// DefaultHistoryWindow is how many preceding runs on the same machine
	// a run is compared with.
	DefaultHistoryWindow = 5
	// DefaultHistoryMinWindow is the fewest preceding runs on the same
	// machine for a run to be judged at all.
	DefaultHistoryMinWindow = 3
)

// historyMetrics are the headline metrics a history follows.
var historyMetrics = []string{"p50_ms", "p99_ms", "throughput_rps", "timeout_rate", "error_rate", "completion_p99_ms", "gave_up", "crashes", "lost"}

// HistoryOptions tune BuildHistory. Zero values mean the defaults.
type HistoryOptions struct {
	Window    int // DefaultHistoryWindow
	MinWindow int // DefaultHistoryMinWindow
	Compare   CompareOptions
}

// History is many runs of one scenario over time (CI artifacts over weeks),
// each judged against the runs before it on the same machine.
type History struct {
	Schema   string         `json:"schema"`
	Scenario string         `json:"scenario"`
	Window   int            `json:"window"`
	Metrics  []string       `json:"metrics"`
	Points   []HistoryPoint `json:"points"`
}

// HistoryPoint is one run in a history.
type HistoryPoint struct {
	Dir       string              `json:"dir"`
	StartedAt time.Time           `json:"started_at"`
	Machine   string              `json:"machine"` // Host.Machine(), or "" when the report has no host
	Hostname  string              `json:"hostname"`
	Values    map[string]*float64 `json:"values"` // null: not measured, not applicable or not reached
	// Worse and Better are the metrics this run is worse (better) on than
	// the preceding window of runs on its machine, by compare's test with
	// one run on the candidate side: beyond every run of the window by
	// more than the metric's tolerance.
	Worse  []string `json:"worse"`
	Better []string `json:"better"`
	// Judged is false when fewer than MinWindow runs on this machine came
	// before it; WindowRuns is how many it was compared with.
	Judged     bool `json:"judged"`
	WindowRuns int  `json:"window_runs"`
	// MachineChanged is true when this run's machine differs from the
	// previous run's: its numbers may move for that reason alone.
	MachineChanged bool `json:"machine_changed"`
}

// BuildHistory orders runs by start time and judges each against the up to
// Window runs before it on the same machine (runs without a recorded host
// count as one unknown machine). Runs should be of one scenario; the
// history is named after the first.
func BuildHistory(runs []Run, opts HistoryOptions) *History {
	if opts.Window <= 0 {
		opts.Window = DefaultHistoryWindow
	}
	if opts.MinWindow <= 0 {
		opts.MinWindow = DefaultHistoryMinWindow
	}
	runs = slices.Clone(runs)
	slices.SortStableFunc(runs, func(a, b Run) int { return a.Report.StartedAt.Compare(b.Report.StartedAt) })
	h := &History{Schema: HistorySchema, Window: opts.Window, Metrics: historyMetrics, Points: []HistoryPoint{}}
	if len(runs) > 0 {
		h.Scenario = runs[0].Report.Scenario.Name
	}
	for i, r := range runs {
		p := HistoryPoint{Dir: r.Dir, StartedAt: r.Report.StartedAt, Values: map[string]*float64{}, Worse: []string{}, Better: []string{}}
		if host := r.Report.Host; host != nil {
			p.Machine, p.Hostname = host.Machine(), host.Hostname
		}
		for _, m := range historyMetrics {
			if v, ok, _ := runValue(r.Report, m); ok {
				p.Values[m] = finite(v)
			} else {
				p.Values[m] = nil
			}
		}
		p.MachineChanged = i > 0 && p.Machine != h.Points[i-1].Machine
		window := precedingOnMachine(runs[:i], h.Points, p.Machine, opts.Window)
		p.WindowRuns = len(window)
		if len(window) >= opts.MinWindow {
			p.Judged = true
			p.judge(window, r, opts.Compare)
		}
		h.Points = append(h.Points, p)
	}
	return h
}

// precedingOnMachine is the last n runs before this one on machine.
func precedingOnMachine(before []Run, points []HistoryPoint, machine string, n int) []Run {
	var w []Run
	for i := len(before) - 1; i >= 0 && len(w) < n; i-- {
		if points[i].Machine == machine {
			w = append(w, before[i])
		}
	}
	slices.Reverse(w)
	return w
}

// judge marks the headline metrics on which r is worse or better than
// the window.
func (p *HistoryPoint) judge(window []Run, r Run, opts CompareOptions) {
	// The window's attempts are not read (weeks of logs): compare judges
	// every metric by its values against the tolerance.
	strip := func(rs []Run) []Run {
		out := make([]Run, len(rs))
		for i, x := range rs {
			out[i] = Run{Report: x.Report, Dir: x.Dir}
		}
		return out
	}
	c := Compare(strip(window), strip([]Run{r}), opts)
	for _, m := range c.Metrics {
		if !slices.Contains(historyMetrics, m.Name) {
			continue
		}
		switch m.Verdict {
		case VerdictWorse:
			p.Worse = append(p.Worse, m.Name)
		case VerdictBetter:
			p.Better = append(p.Better, m.Name)
		}
	}
}
