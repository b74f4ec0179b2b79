package reports_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// TestArrivalStepsInEveryView: each view marks every arrival step with
// its own figures, the HTML charts mark where each begins, and a run a
// gate stopped says so beside its verdict.
func TestArrivalStepsInEveryView(t *testing.T) {
	a := reports.NewAggregator(reports.T0)
	for i := range 20 {
		sent := time.Duration(i) * 100 * time.Millisecond
		a.AddAttempt(reports.Attempt{Caller: int32(i), Try: 1, Intended: sent, Sent: sent, Latency: 10 * time.Millisecond, Status: 200})
	}
	a.SetArrivalSteps([]reports.ArrivalStepReport{{Step: 1, Label: "10/s for 1s", Callers: 10}, {Step: 2, Label: "10 callers in 1s", Callers: 10}},
		[]reports.WindowSpec{{Kind: reports.WindowSpan, To: time.Second}, {Kind: reports.WindowSpan, From: time.Second, To: 2 * time.Second}})
	r := a.Finish(reports.T0.Add(2 * time.Second))
	r.Scenario.Name = "stepped"
	r.Verdict, r.AbortedBy = reports.VerdictFail, &reports.Abort{Gate: "error_rate[last 10s] < 0.05", AtS: 2, Value: 0.5}
	want := "arrival step 2 (10 callers in 1s, 1–2 s): 10 callers; 10 attempts, 10 ok, error rate 0%, p99 10"
	for name, write := range map[string]func(*strings.Builder) error{
		"table":    func(b *strings.Builder) error { return views.WriteTable(b, r) },
		"markdown": func(b *strings.Builder) error { return views.WriteMarkdown(b, r) },
		"html":     func(b *strings.Builder) error { return views.WriteHTML(b, r) },
	} {
		var b strings.Builder
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		out, want := b.String(), want
		if name == "html" {
			want = "<td>10 callers in 1s</td><td>1–2</td><td>10</td><td>10</td><td>10</td><td>0%</td>"
			if !strings.Contains(out, `"label":"step 2: 10 callers in 1s"`) {
				t.Errorf("html: no chart marker for step 2")
			}
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q:\n%s", name, want, out)
		}
		if !strings.Contains(out, "aborted by gate error_rate[last 10s] &lt; 0.05 at 2 s") && !strings.Contains(out, "aborted by gate error_rate[last 10s] < 0.05 at 2 s") {
			t.Errorf("%s does not say the gate aborted the run", name)
		}
	}
}
