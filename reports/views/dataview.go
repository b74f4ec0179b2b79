package views

import (
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

// dataRows are the summary's data section; a report without a data block
// shows "n/a".
var dataRows = []row{
	{"data", "preloaded", dataText(func(d *reports.DataReport) string {
		return reports.Count(d.PreloadedCallers) + " callers, " + reports.Count(d.PreloadedRecords) + " records"
	})},
	{"data", "missing records", dataText(func(d *reports.DataReport) string {
		return reports.CountOrUnmeasured(d.MissingRecords) + perReadBack(d, func(rb reports.ReadBack) int64 { return rb.MissingRecords })
	})},
	{"data", "invalidated callers", dataText(func(d *reports.DataReport) string {
		return reports.CountOrUnmeasured(d.InvalidatedCallers) + perReadBack(d, func(rb reports.ReadBack) int64 { return rb.InvalidatedCallers })
	})},
	{"data", "unreadable callers", dataText(func(d *reports.DataReport) string {
		return reports.CountOrUnmeasured(d.UnreadableCallers) + perReadBack(d, func(rb reports.ReadBack) int64 { return rb.UnreadableCallers })
	})},
	{"data", "restormed callers", dataText(func(d *reports.DataReport) string {
		if d.Restormed == nil {
			return reports.NotApplicable
		}
		return strconv.FormatInt(*d.Restormed, 10)
	})},
}

// withDataRows is rows with the data section before the gates.
func withDataRows(rows []row) []row {
	out := make([]row, 0, len(rows)+len(dataRows))
	for _, rw := range rows {
		if rw.section == "gates" {
			out = append(out, dataRows...)
		}
		out = append(out, rw)
	}
	return out
}

// perReadBack is the figure f of each read-back, "after_upgrade 0, end
// 169", when there was more than one; "" otherwise.
func perReadBack(d *reports.DataReport, f func(reports.ReadBack) int64) string {
	if len(d.ReadBacks) < 2 {
		return ""
	}
	parts := make([]string, len(d.ReadBacks))
	for i, rb := range d.ReadBacks {
		parts[i] = rb.Point + " " + strconv.FormatInt(f(rb), 10)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func dataText(f func(*reports.DataReport) string) func(*reports.Report) string {
	return func(r *reports.Report) string {
		if r.Data == nil {
			return reports.NotApplicable
		}
		return f(r.Data)
	}
}

// anyData reports whether any of rs had a data block: only then does the
// summary show the data section.
func anyData(rs []*reports.Report) bool {
	for _, r := range rs {
		if r.Data != nil {
			return true
		}
	}
	return false
}
