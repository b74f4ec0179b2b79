package views

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

// showClasses reports whether the views show r's caller classes: only when
// it has more than one, so that a run of one kind of caller reads as it
// always did (report.json has classes either way).
func showClasses(r *reports.Report) bool { return len(r.Classes) > 1 }

// classNames are r's classes in the order every view shows them: by name.
func classNames(r *reports.Report) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for name := range r.Classes {
			if !yield(name) {
				return
			}
		}
	})
}

// classRow is one line of the classes table: a label and a value per class.
type classRow struct {
	label string
	value func(r *reports.Report, c *reports.ClassReport) string
}

// classRows are the lines of the classes table. Counts of callers' end
// states are NotMeasured when outcomes were not recorded (a rebuilt
// report); latency and amplification are NotApplicable for a class that
// sent nothing. Latencies are labelled: of the successful attempts, or of
// all that reached the service.
var classRows = []classRow{
	{"callers", classOutcome(func(c *reports.ClassReport) int64 { return c.Callers })},
	{"succeeded", classOutcome(func(c *reports.ClassReport) int64 { return c.Succeeded })},
	{"gave up", classOutcome(func(c *reports.ClassReport) int64 { return c.GaveUp })},
	{"attempts", func(_ *reports.Report, c *reports.ClassReport) string { return reports.Count(c.Attempts) }},
	{"retries", func(_ *reports.Report, c *reports.ClassReport) string { return reports.Count(c.Retries) }},
	{"amplification", func(_ *reports.Report, c *reports.ClassReport) string { return times(c.Amplification) }},
	{"p50 ms (successful)", func(_ *reports.Report, c *reports.ClassReport) string { return classLatency(c, c.P50Ms, true) }},
	{"p99 ms (successful)", func(_ *reports.Report, c *reports.ClassReport) string { return classLatency(c, c.P99Ms, true) }},
	{"p50 ms (all answered)", func(_ *reports.Report, c *reports.ClassReport) string { return classLatency(c, c.P50AllMs, false) }},
	{"p99 ms (all answered)", func(_ *reports.Report, c *reports.ClassReport) string { return classLatency(c, c.P99AllMs, false) }},
	{"budget denied", classOutcome(func(c *reports.ClassReport) int64 { return c.BudgetDenied })},
	{"breaker opens", classOutcome(func(c *reports.ClassReport) int64 { return c.BreakerOpens })},
}

// classOutcome shows a count that comes from callers' outcomes.
func classOutcome(f func(*reports.ClassReport) int64) func(*reports.Report, *reports.ClassReport) string {
	return func(r *reports.Report, c *reports.ClassReport) string {
		if r.Callers.OutcomesUnknown {
			return reports.NotMeasured
		}
		return reports.Count(f(c))
	}
}

// times is an amplification, "×1.25", or NotApplicable when nothing was
// offered.
func times(v *float64) string {
	if v == nil {
		return reports.NotApplicable
	}
	return "×" + strconv.FormatFloat(*v, 'f', 2, 64)
}

// classLatency is a latency of class c, of its successful attempts (ok)
// or of all that reached the service: NotApplicable when it sent nothing,
// NoSuccess when it sent some and none succeeded, NotMeasured when the
// report did not record it (one written before p50_all_ms was).
func classLatency(c *reports.ClassReport, v *float64, ok bool) string {
	switch {
	case v != nil:
		return reports.OneDecimal(*v)
	case c.Attempts == 0:
		return reports.NotApplicable
	case ok:
		return reports.NoSuccess
	}
	return reports.NotMeasured
}

// classTable is the classes side by side: a column per class.
func classTable(r *reports.Report) (header []string, rows [][]string) {
	names := classNames(r)
	header = append([]string{"class"}, names...)
	for _, cr := range classRows {
		line := []string{cr.label}
		for _, name := range names {
			c := r.Classes[name]
			if c == nil {
				c = &reports.ClassReport{}
			}
			line = append(line, cr.value(r, c))
		}
		rows = append(rows, line)
	}
	return header, rows
}

// classSummary is one class in a line: "callers 4, succeeded 2, ..." as
// the classes table has it.
func classSummary(r *reports.Report, name string) string {
	c := r.Classes[name]
	if c == nil {
		c = &reports.ClassReport{}
	}
	parts := make([]string, 0, len(classRows))
	for _, cr := range classRows {
		parts = append(parts, cr.label+" "+cr.value(r, c))
	}
	return strings.Join(parts, ", ")
}

// loadText is offered load against attempts and goodput, with the
// amplification: "100 → 180 → 94 (×1.80)". Goodput is NotMeasured when
// callers' outcomes were not recorded; the whole is NotMeasured for a
// report written before load was (requests without any attempt in Load).
func loadText(r *reports.Report) string {
	l := r.Load
	if l.Attempts == 0 && r.Requests.Total > 0 {
		return reports.NotMeasured
	}
	good := reports.Count(l.Goodput)
	if r.Callers.OutcomesUnknown {
		good = reports.NotMeasured
	}
	return fmt.Sprintf("%d → %d → %s (%s)", l.Offered, l.Attempts, good, times(l.Amplification))
}

// badAnswerText is the bad answer example in one line: "status 201 at
// 3.2 s, caller 17: no "job.id" in the answer (1 of 12 bad answers)".
func badAnswerText(r *reports.Report) string {
	b := r.BadAnswer
	s := fmt.Sprintf("status %d at %.1f s, caller %d: %s", b.Status, b.AtS, b.Caller, b.Reason)
	switch k := r.Requests.Errors[reports.ClassBadAnswer]; {
	case k == 1:
		s += " (the only bad answer)"
	case k > 1:
		s += fmt.Sprintf(" (1 of %d bad answers)", k)
	}
	return s
}

// badAnswerHead is the first bytes of a bad answer's body, quoted on one
// line.
func badAnswerHead(b *reports.BadAnswer) string {
	if len(b.Body) > reports.MaxBadAnswerLine {
		return strconv.Quote(strings.ToValidUTF8(b.Body[:reports.MaxBadAnswerLine], "")) + "…"
	}
	return strconv.Quote(b.Body)
}

// fence is a Markdown code fence longer than any run of backticks in s.
func fence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
