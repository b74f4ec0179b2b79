package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// How every view shows a value that has none: NotMeasured when nothing
// measured it (null in report.json: crash counts of rehearse attack, async
// counts of untracked 202s), NotApplicable when it has no meaning for this
// run (drain of a synchronous service). Neither is ever shown as 0 or "-".
const (
	NotMeasured   = "not measured"
	NotApplicable = "n/a"
)

// OneDecimal is v with one decimal.
func OneDecimal(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Count is v in digits.
func Count(v int64) string { return strconv.FormatInt(v, 10) }

// CountOrUnmeasured is *v in digits, or NotMeasured when v is nil.
func CountOrUnmeasured(v *int64) string {
	if v == nil {
		return NotMeasured
	}
	return Count(*v)
}

// OneDecimalOrUnmeasured is *v with one decimal, or NotMeasured when v
// is nil.
func OneDecimalOrUnmeasured(v *float64) string {
	if v == nil {
		return NotMeasured
	}
	return OneDecimal(*v)
}

// Percent is a fraction as a percentage: 0.94 is "94%", 0.9995 is "99.95%".
func Percent(f float64) string {
	s := strconv.FormatFloat(100*f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// NotReachedText is how a completion percentile that was not reached reads:
// fewer callers completed than the percentile needs.
func NotReachedText(c *Completion) string {
	return fmt.Sprintf("not reached (%s completed)", Percent(c.CompletedFraction))
}

// FormatBytes writes a size the way people read it, in powers of 1024:
// "512 B", "1.5 KiB", "256 MiB", "2 GiB". Every view uses it. A negative b
// is written with a minus sign.
func FormatBytes(b int64) string {
	sign, u := "", uint64(b)
	if b < 0 {
		sign, u = "-", uint64(-(b+1))+1 // math.MinInt64 has no int64 opposite
	}
	const unit = 1024
	if u < unit {
		return sign + strconv.FormatUint(u, 10) + " B"
	}
	v, i := float64(u), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	s := strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	return sign + s + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}[i]
}

// GateValue is a gate's value as text, or why it has none.
func GateValue(g GateResult) string {
	if g.Value == nil {
		if g.Reason != "" {
			return g.Reason
		}
		return NotMeasured
	}
	return strconv.FormatFloat(*g.Value, 'g', 6, 64)
}

// GateText is "value 10", or why the gate has no value ("crashes was not
// measured").
func GateText(g GateResult) string {
	if g.Value == nil {
		return GateValue(g)
	}
	return "value " + GateValue(g)
}

// NotesOf are r's notes as every view shows them: the report's own, and the
// generator's note of an invalid run when the report does not carry it.
func NotesOf(r *Report) []string {
	notes := append([]string{}, r.Notes...)
	if len(r.Generator.Errors) == 0 {
		return notes
	}
	for _, s := range notes {
		if strings.HasPrefix(s, GeneratorNotePrefix) {
			return notes
		}
	}
	if s := GeneratorNote(r.Generator.Errors); s != "" {
		notes = append([]string{s}, notes...)
	}
	return notes
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// FormatP is a p-value in three significant digits.
func FormatP(p float64) string { return strconv.FormatFloat(p, 'g', 3, 64) }

// TrimFloat prints f with at most one decimal, without a trailing .0.
func TrimFloat(f float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0")
}

// NoSuccess is why a latency of successful attempts has no value when
// attempts reached the service and none of them succeeded.
const NoSuccess = NotMeasured + " (no successful attempt)"
