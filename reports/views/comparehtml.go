package views

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"github.com/rehearse-dev/rehearse/reports"
)

//go:embed assets/compare.gohtml
var compareHTML string

var compareTmpl = template.Must(template.New("compare").Parse(compareHTML))

// compareDots is one metric's value per run of each side, for a dot chart.
type compareDots struct {
	Name      string     `json:"name"`
	Unit      string     `json:"unit"`
	Baseline  []*float64 `json:"baseline"`
	Candidate []*float64 `json:"candidate"`
}

type compareView struct {
	Title, Headline, Sides string
	C                      *reports.Comparison
	Header                 []string
	Rows                   [][]string
	CSS                    template.CSS
	JS                     template.JS
	Data                   template.JS
}

// WriteComparisonHTML writes the comparison as one self-contained page that
// works offline: the verdict, the metrics table, the latency CDFs of both
// sides overlaid (each side's runs pooled, and each run alone) when the
// runs' attempt logs were read, and each run's value of every metric that
// varied as a dot, so a reader sees the noise the verdict weighed.
func WriteComparisonHTML(w io.Writer, c *reports.Comparison) error {
	data := struct {
		CDF  *reports.LatencyCDF `json:"cdf"`
		Dots []compareDots       `json:"dots"`
	}{CDF: c.CDF, Dots: []compareDots{}}
	for _, m := range c.Metrics {
		if m.Baseline == nil || m.Candidate == nil || m.PValue == nil && m.Test != reports.TestExact {
			continue // nothing varied: a dot chart of one value says nothing
		}
		if m.Test == reports.TestExact && noneOnEitherSide(m) {
			continue
		}
		data.Dots = append(data.Dots, compareDots{Name: m.Name, Unit: m.Unit, Baseline: m.Baseline.Runs, Candidate: m.Candidate.Runs})
	}
	// json.Marshal escapes <, > and & inside strings: safe in <script>.
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("render compare html: chart data: %w", err)
	}
	return compareTmpl.Execute(w, compareView{
		Title: "rehearse compare: " + c.Baseline.Name + " vs " + c.Candidate.Name, Headline: c.Headline(), Sides: c.SidesText(), C: c,
		Header: comparisonHeader, Rows: comparisonRows(c),
		CSS: template.CSS(uplotCSS), JS: template.JS(uplotJS), Data: template.JS(b),
	})
}

// noneOnEitherSide is true when a count was 0 in every run of both sides.
func noneOnEitherSide(m reports.MetricResult) bool {
	_, _, bmax := m.Baseline.Spread()
	_, _, cmax := m.Candidate.Spread()
	return bmax == 0 && cmax == 0
}
