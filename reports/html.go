package reports

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"regexp"
	"strconv"
	"strings"
)

//go:embed assets/uPlot.min.js
var uplotJS string

//go:embed assets/uPlot.min.css
var uplotCSS string

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

type tableView struct {
	Header []string
	Rows   [][]string
}

type htmlView struct {
	Title   string
	CSS     template.CSS
	JS      template.JS
	Data    template.JS
	Reports []*Report
	Summary tableView
	Pass    bool
	Verdict string
	Links   bool
	Compare *Comparison
	CmpRows [][]string
}

func render(w io.Writer, v htmlView) error {
	v.CSS, v.JS = template.CSS(uplotCSS), template.JS(uplotJS)
	return pageTmpl.Execute(w, v)
}

func jsData(v any) template.JS {
	b, _ := json.Marshal(v) // escapes <, > and & inside strings: safe in <script>
	return template.JS(b)
}

// WriteHTML writes one self-contained HTML report that works offline:
// the verdict and summary tables, charts of attempts per second by outcome,
// latency p50/p99, callers in flight, SUT memory (with the limit) and CPU,
// async queue depth, with crash, restart, fault and upgrade markers on every
// chart, and the scenario as run.
func WriteHTML(w io.Writer, r *Report) error {
	h, rows := summaryTable([]*Report{r})
	return render(w, htmlView{
		Title: "rehearse: " + r.Scenario.Name, Data: jsData([]chartData{chartOf(r)}),
		Reports: []*Report{r}, Summary: tableView{h[1:], trimFirst(rows)}, Pass: MetExpectation(r), Verdict: VerdictText(r),
	})
}

// WriteSummaryHTML writes several scenarios side by side: one table with a
// column per scenario, p99 and ok/s charts per scenario, and links to each
// scenario's report.html.
func WriteSummaryHTML(w io.Writer, rs []*Report) error {
	h, rows := summaryTable(rs)
	var charts []chartData
	pass := true
	for _, r := range rs {
		charts = append(charts, chartOf(r))
		pass = pass && MetExpectation(r)
	}
	verdict := "ALL AS EXPECTED"
	if !pass {
		verdict = "FAIL"
	}
	return render(w, htmlView{Title: "rehearse summary", Data: jsData(charts), Reports: rs,
		Summary: tableView{h[1:], trimFirst(rows)}, Pass: pass, Verdict: verdict, Links: true})
}

// WriteComparisonHTML writes a baseline-vs-candidate comparison.
func WriteComparisonHTML(w io.Writer, c *Comparison) error {
	return render(w, htmlView{Title: "rehearse compare", Data: jsData([]chartData{}), Compare: c,
		CmpRows: comparisonRows(c), Pass: !c.Regression, Verdict: c.verdict()})
}

// runPrefix is the run id that starts the names of a run's containers.
var runPrefix = regexp.MustCompile(`^rh-\d{8}-\d{6}-[0-9a-f]{8}-`)

// ShortName drops the run id and scenario prefix of a container name
// ("rh-...-seed-1-sync-replica-1" becomes "replica-1").
func ShortName(container, scenario string) string {
	c := runPrefix.ReplaceAllString(container, "")
	if scenario != "" {
		c = strings.TrimPrefix(c, scenario+"-")
	}
	return c
}

func trimFirst(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		label := r[1]
		if r[0] != "" {
			label = r[0] + " · " + r[1]
		}
		out[i] = append([]string{label}, r[2:]...)
	}
	return out
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"short": func(c string) string { return runPrefix.ReplaceAllString(c, "") }}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{{.CSS}}</style>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1280px;color:#1d2330;background:#fff;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e6ec;padding-bottom:4px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;font-size:18px;color:#fff;margin:8px 0}
.pass{background:#1a7f37}.fail{background:#cf222e}
table{border-collapse:collapse;margin:6px 0;font-variant-numeric:tabular-nums}
td,th{border:1px solid #e3e6ec;padding:4px 10px;text-align:right} th{background:#f6f8fa} td:first-child,th:first-child{text-align:left}
.muted{color:#6e7781} .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:12px}
.chart{border:1px solid #e3e6ec;border-radius:6px;padding:8px} .chart h3{margin:0 0 4px;font-size:14px}
pre{background:#f6f8fa;padding:10px;border-radius:6px;overflow:auto} .gfail{color:#cf222e;font-weight:600} .gpass{color:#1a7f37}
</style></head><body>
<h1>{{.Title}}</h1>
<div class="verdict {{if .Pass}}pass{{else}}fail{{end}}">{{.Verdict}}</div>
{{with .Compare}}<p>baseline <b>{{.Baseline.Name}}</b> (seed {{.Baseline.Seed}}) vs candidate <b>{{.Candidate.Name}}</b> (seed {{.Candidate.Seed}})</p>
<table><tr><th>metric</th><th>baseline</th><th>candidate</th><th>delta</th><th>rel</th><th>p</th><th>verdict</th></tr>
{{range $.CmpRows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table><p class="muted">{{.Method}}</p>{{end}}
{{if .Reports}}
<h2>Summary</h2>
<table><tr>{{range $i, $h := .Summary.Header}}<th>{{if $.Links}}{{if $i}}<a href="{{$h}}/report.html">{{$h}}</a>{{end}}{{else}}{{$h}}{{end}}</th>{{end}}</tr>
{{range .Summary.Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{end}}
{{if not .Links}}{{range .Reports}}
<p class="muted">scenario <b>{{.Scenario.Name}}</b> from {{.Scenario.File}}, seed {{.Scenario.Seed}}; SUT {{.SUT.Kind}} {{.SUT.Mode}} {{.SUT.Image}} on {{.SUT.Runtime}} ({{.SUT.Network}} network), target {{.SUT.Target}};
started {{.StartedAt.Format "2006-01-02 15:04:05 MST"}}, {{printf "%.1f" .DurationS}} s.
{{with .SUT.Resources}}Limits: {{.CPUs}} CPUs, {{.MemoryBytes}} bytes memory, {{.Pids}} pids.{{else}}No resource limits applied.{{end}}</p>
{{with .Gates}}<h2>Gates</h2><table><tr><th>gate</th><th>value</th><th>result</th></tr>
{{range .}}<tr><td><code>{{.Expr}}</code></td><td>{{printf "%g" .Value}}</td><td class="{{if .Pass}}gpass{{else}}gfail{{end}}">{{if .Pass}}pass{{else}}FAIL{{end}}</td></tr>{{end}}</table>{{end}}
{{with .Cutover}}<h2>Cutover ({{.Strategy}})</h2><p>from {{printf "%.1f" .StartS}} s to {{printf "%.1f" .EndS}} s: {{.Requests}} requests, {{.OK}} ok, errors {{range $k, $v := .Errors}}{{$k}} {{$v}} {{else}}none{{end}}.</p>{{end}}
{{with .Notes}}<h2>Notes</h2><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Crashes.Events}}<h2>Crashes</h2><table><tr><th>at s</th><th>container</th><th>kind</th><th>exit code</th><th>OOM killed</th></tr>
{{range .}}<tr><td>{{printf "%.1f" .AtS}}</td><td>{{short .Container}}</td><td>{{.Kind}}</td><td>{{.ExitCode}}</td><td>{{.OOMKilled}}</td></tr>{{end}}</table>{{end}}
{{end}}{{end}}
<h2 id="charts-title">Charts</h2>
<div class="charts" id="charts"></div>
{{if not .Links}}{{range .Reports}}{{with .ScenarioYAML}}<h2>Scenario as run</h2><pre>{{.}}</pre>{{end}}{{end}}{{end}}
<script>{{.JS}}</script>
<script>
window.__errors = 0;
window.addEventListener('error', function(){ window.__errors++; document.body.dataset.jsErrors = window.__errors; });
document.body.dataset.jsErrors = 0;
const DATA = {{.Data}};
const SUMMARY = {{if .Links}}true{{else}}false{{end}};
const palette = ['#1f77b4','#2ca02c','#d62728','#9467bd','#ff7f0e','#17becf','#8c564b'];
function markersPlugin(markers, cut) {
  return { hooks: { draw: [u => {
    const ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    if (cut) {
      const x0 = u.valToPos(cut[0], 'x', true), x1 = u.valToPos(cut[1], 'x', true);
      ctx.fillStyle = 'rgba(44,160,44,0.10)'; ctx.fillRect(x0, top, Math.max(x1 - x0, 2), h);
    }
    ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
    let lastLabel = -1e9, row = 0;
    markers.forEach((m, i) => {
      const x = u.valToPos(m.t, 'x', true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.strokeStyle = m.color; ctx.fillStyle = m.color; ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
      // Label a marker only when it is clear of the previous label.
      const w = ctx.measureText(m.label).width;
      if (x > lastLabel) { ctx.fillText(m.label, x + 3 * devicePixelRatio, top + (12 + 12 * (row++ % 2)) * devicePixelRatio); lastLabel = x + w + 6 * devicePixelRatio; }
    });
    ctx.restore();
  }]}};
}
let drawn = 0;
function chart(title, d, series, data) {
  const box = document.createElement('div'); box.className = 'chart';
  const h = document.createElement('h3'); h.textContent = title; box.appendChild(h);
  document.getElementById('charts').appendChild(box);
  const width = Math.max(Math.min(box.clientWidth - 16, 1240), 300);
  const opts = { width: width, height: 220, series: [{label: 't (s)'}].concat(series),
    scales: {x: {time: false}}, axes: [{label: 'seconds'}, {}],
    plugins: [markersPlugin(d.markers || [], d.has_cutover ? [d.cut_start, d.cut_end] : null)] };
  new uPlot(opts, [d.t].concat(data), box);
  drawn++;
}
function s(label, color, extra) { return Object.assign({label: label, stroke: color, width: 1.5, spanGaps: true}, extra || {}); }
if (!SUMMARY) {
  DATA.forEach(d => {
    if (!d.t || d.t.length === 0) { document.getElementById('charts').textContent = 'No timeline: nothing was sent.'; return; }
    chart('Attempts per second by outcome', d, [s('sent', '#1f77b4'), s('ok', '#2ca02c'), s('timeouts', '#d62728'), s('errors', '#ff7f0e')], [d.sent, d.ok, d.timeouts, d.errors]);
    chart('Latency (ms)', d, [s('p50', '#1f77b4'), s('p99', '#d62728')], [d.p50, d.p99]);
    chart('Callers in flight', d, [s('in flight', '#9467bd', {fill: 'rgba(148,103,189,0.1)'})], [d.inflight]);
    if (d.has_mem) {
      const series = [s('memory MiB', '#8c564b')], data = [d.mem_mb];
      if (d.limit_mb > 0) { series.push(s('limit MiB', '#d62728', {dash: [6, 4]})); data.push(d.t.map(() => d.limit_mb)); }
      chart('SUT memory (MiB)', d, series, data);
      chart('SUT CPU (cores)', d, [s('cpu', '#17becf')], [d.cpu]);
    } else {
      const p = document.createElement('p'); p.className = 'muted'; p.textContent = 'SUT memory and CPU: not sampled (no containers were started).';
      document.getElementById('charts').appendChild(p);
    }
    if (d.has_queue) chart('Async queue depth', d, [s('queue', '#ff7f0e')], [d.queue]);
  });
} else if (DATA.length) {
  // Align every scenario on one time axis.
  const maxT = Math.max.apply(null, DATA.map(d => d.t ? d.t.length : 0));
  const t = Array.from({length: maxT}, (_, i) => i);
  const pad = a => t.map((_, i) => (a && i < a.length) ? a[i] : null);
  const all = {t: t, markers: []};
  chart('p99 latency (ms) per scenario', all, DATA.map((d, i) => s(d.name, palette[i % palette.length])), DATA.map(d => pad(d.p99)));
  chart('ok per second per scenario', all, DATA.map((d, i) => s(d.name, palette[i % palette.length])), DATA.map(d => pad(d.ok)));
  chart('timeouts per second per scenario', all, DATA.map((d, i) => s(d.name, palette[i % palette.length])), DATA.map(d => pad(d.timeouts)));
  chart('callers in flight per scenario', all, DATA.map((d, i) => s(d.name, palette[i % palette.length])), DATA.map(d => pad(d.inflight)));
} else {
  document.getElementById('charts-title').style.display = 'none';
}
document.body.dataset.charts = drawn;
</script>
</body></html>
`))
