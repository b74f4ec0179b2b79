package views

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

// historyDigestRows is how many of the latest runs the Markdown digest
// lists one by one; every regression and machine change is listed anyway.
const historyDigestRows = 30

func historySpan(h *reports.History) string {
	if len(h.Points) == 0 {
		return "no run"
	}
	first, last := h.Points[0].StartedAt, h.Points[len(h.Points)-1].StartedAt
	return fmt.Sprintf("%d runs from %s to %s", len(h.Points), first.UTC().Format("2006-01-02 15:04"), last.UTC().Format("2006-01-02 15:04"))
}

// machineChanges says when the machine changed, run by run.
func machineChanges(h *reports.History) []string {
	var out []string
	for i, p := range h.Points {
		if !p.MachineChanged {
			continue
		}
		out = append(out, fmt.Sprintf("run %d (%s): machine changed from %s to %s", i+1, p.StartedAt.UTC().Format("2006-01-02 15:04"),
			machineText(h.Points[i-1].Machine), machineText(p.Machine)))
	}
	return out
}

func machineText(m string) string {
	if m == "" {
		return "a machine not recorded"
	}
	return m
}

func historyRows(h *reports.History, from int) [][]string {
	var rows [][]string
	for i, p := range h.Points[from:] {
		row := []string{strconv.Itoa(from + i + 1), p.StartedAt.UTC().Format("2006-01-02 15:04")}
		for _, m := range h.Metrics {
			v := reports.NotApplicable
			if p.Values[m] != nil {
				v = fmtVal(m, *p.Values[m])
			}
			if slices.Contains(p.Worse, m) {
				v = "**" + v + " ▲**"
			}
			row = append(row, v)
		}
		judged := "not judged (" + strconv.Itoa(p.WindowRuns) + " runs before on this machine)"
		switch {
		case len(p.Worse) > 0:
			judged = "worse: " + strings.Join(p.Worse, ", ")
		case p.Judged && len(p.Better) > 0:
			judged = "better: " + strings.Join(p.Better, ", ")
		case p.Judged:
			judged = "same"
		}
		if p.MachineChanged {
			judged += "; machine changed"
		}
		rows = append(rows, append(row, judged))
	}
	return rows
}

// WriteHistoryMarkdown writes the digest of a history: its span, its
// machines and when they changed, every run that was worse than the runs
// before it, and a table of the latest runs.
func WriteHistoryMarkdown(w io.Writer, h *reports.History) error {
	p := &printer{w: w}
	p.printf("## rehearse history: %s\n\n%s; each run is judged against the up to %d runs before it on the same machine.\n\n", mdEscape(h.Scenario), historySpan(h), h.Window)
	var worse []string
	for i, pt := range h.Points {
		if len(pt.Worse) > 0 {
			worse = append(worse, fmt.Sprintf("- run %d (%s, %s): worse on %s", i+1, pt.StartedAt.UTC().Format("2006-01-02 15:04"), mdEscape(pt.Dir), strings.Join(pt.Worse, ", ")))
		}
	}
	if len(worse) == 0 {
		p.printf("**No run was worse than the runs before it.**\n\n")
	} else {
		p.printf("### Regressions\n\n%s\n\n", strings.Join(worse, "\n"))
	}
	if changes := machineChanges(h); len(changes) > 0 {
		p.printf("### Machine changes\n\n")
		for _, c := range changes {
			p.printf("- %s\n", mdEscape(c))
		}
		p.printf("\n")
	}
	from := max(0, len(h.Points)-historyDigestRows)
	if from > 0 {
		p.printf("The latest %d runs (▲ worse than the runs before):\n\n", historyDigestRows)
	}
	if p.err != nil {
		return p.err
	}
	header := slices.Concat([]string{"run", "started (UTC)"}, h.Metrics, []string{"against the runs before"})
	return writeRows(w, markdownTable(), header, historyRows(h, from))
}

//go:embed assets/history.gohtml
var historyHTML string

var historyTmpl = template.Must(template.New("history").Parse(historyHTML))

// WriteHistoryHTML writes the trend page of a history, offline: each
// headline metric over time, each run a point, the runs worse than the
// runs before them in red, and a line where the machine changed.
func WriteHistoryHTML(w io.Writer, h *reports.History) error {
	type series struct {
		Name   string     `json:"name"`
		Values []*float64 `json:"values"`
		Worse  []*float64 `json:"worse"`
	}
	data := struct {
		T        []float64 `json:"t"`
		Changes  []float64 `json:"changes"`
		Series   []series  `json:"series"`
		Machines []string  `json:"machines"`
	}{T: []float64{}, Changes: []float64{}, Series: []series{}, Machines: []string{}}
	for i, p := range h.Points {
		data.T = append(data.T, float64(i+1))
		data.Machines = append(data.Machines, machineText(p.Machine))
		if p.MachineChanged {
			data.Changes = append(data.Changes, float64(i+1))
		}
	}
	for _, m := range h.Metrics {
		s := series{Name: m, Values: []*float64{}, Worse: []*float64{}}
		for _, p := range h.Points {
			s.Values = append(s.Values, p.Values[m])
			var bad *float64
			if slices.Contains(p.Worse, m) {
				bad = p.Values[m]
			}
			s.Worse = append(s.Worse, bad)
		}
		data.Series = append(data.Series, s)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("render history html: chart data: %w", err)
	}
	header := slices.Concat([]string{"run", "started (UTC)"}, h.Metrics, []string{"against the runs before"})
	rows := historyRows(h, 0)
	for _, r := range rows {
		for i := range r {
			r[i] = strings.TrimSuffix(strings.TrimPrefix(r[i], "**"), "**") // Markdown bold: the ▲ says it
		}
	}
	return historyTmpl.Execute(w, struct {
		H       *reports.History
		Span    string
		Changes []string
		Header  []string
		Rows    [][]string
		CSS     template.CSS
		JS      template.JS
		Data    template.JS
	}{h, historySpan(h), machineChanges(h), header, rows, template.CSS(uplotCSS), template.JS(uplotJS), template.JS(b)})
}
