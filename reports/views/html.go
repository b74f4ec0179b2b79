package views

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

//go:embed assets/uPlot.min.js
var uplotJS string

//go:embed assets/uPlot.min.css
var uplotCSS string

type tableView struct {
	Header []string
	Rows   [][]string
}

type htmlView struct {
	Title   string
	CSS     template.CSS
	JS      template.JS
	Data    template.JS
	Reports []*reports.Report
	Summary tableView
	Class   string // of the verdict badge: pass | fail | invalid | nogates
	Verdict string
	Errors  string // the error rate beside the badge (HeadlineErrors)
	Alarm   bool   // the error rate is shown as an alarm (errorsAlarm)
	Links   bool
}

func render(w io.Writer, v htmlView, charts []chartData) error {
	if charts == nil {
		charts = []chartData{}
	}
	// json.Marshal escapes <, > and & inside strings: safe in <script>.
	b, err := json.Marshal(charts)
	if err != nil {
		return fmt.Errorf("render html: chart data: %w", err)
	}
	v.CSS, v.JS, v.Data = template.CSS(uplotCSS), template.JS(uplotJS), template.JS(b)
	return pageTmpl.Execute(w, v)
}

// WriteHTML writes one self-contained HTML report that works offline:
// the verdict with what was expected and the error rate, the summary table, gates, the caller
// classes side by side (when more than one), notes, the first error of
// each class, the bad answer example,
// charts of attempts per second by outcome, offered load vs attempts vs
// goodput with breaker openings (when anything was retried or a breaker
// opened), latency p50/p99 of the successful attempts and p99 of all
// answered ones (labelled; a second with none is a gap), callers in
// flight, SUT memory (with the limit) and CPU, async queue depth (when the
// service has a queue), with crash, restart, fault and upgrade markers on
// every chart, and the scenario as run.
func WriteHTML(w io.Writer, r *reports.Report) error {
	h, rows := summaryTable([]*reports.Report{r})
	return render(w, htmlView{
		Title: "rehearse: " + r.Scenario.Name, Reports: []*reports.Report{r}, Summary: tableView{h[1:], trimFirst(rows)},
		Class: reports.HeadlineClass(r), Verdict: reports.VerdictText(r), Errors: reports.HeadlineErrors(r), Alarm: reports.ErrorsAlarm(r),
	}, []chartData{chartOf(r)})
}

// WriteSummaryHTML writes several scenarios side by side: the Headline and
// the highest error rate (HeadlineErrors), one
// table with a column per scenario, p99 (of successful attempts) and ok/s
// charts per scenario, and
// links to each scenario's report.html.
func WriteSummaryHTML(w io.Writer, rs []*reports.Report) error {
	h, rows := summaryTable(rs)
	longest := 0
	for _, r := range rs {
		longest = max(longest, len(r.Timeline))
	}
	var charts []chartData
	for _, r := range rs {
		charts = append(charts, chartOfStep(r, chartStep(longest)))
	}
	return render(w, htmlView{Title: "rehearse summary", Reports: rs, Summary: tableView{h[1:], trimFirst(rows)},
		Class: reports.HeadlineClass(rs...), Verdict: reports.Headline(rs...), Errors: reports.HeadlineErrors(rs...), Alarm: reports.ErrorsAlarm(rs...), Links: true}, charts)
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

//go:embed assets/page.gohtml
var pageHTML string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"short":       func(c string) string { return runPrefix.ReplaceAllString(c, "") },
	"bytes":       reports.FormatBytes,
	"gateValue":   reports.GateValue,
	"notes":       reports.NotesOf,
	"partial":     reports.PartialText,
	"sut":         sutText,
	"limits":      limitsText,
	"verdict":     reports.VerdictText,
	"showClasses": showClasses,
	"classTable": func(r *reports.Report) tableView {
		h, rows := classTable(r)
		return tableView{h, rows}
	},
	"badAnswer":     badAnswerText,
	"errorExamples": reports.ErrorExampleLines,
	"flowLines":     flowLines,
	"ratioText":     ratioText,
	"msText":        msText,
}).Parse(pageHTML))
