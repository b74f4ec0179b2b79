package reports

import (
	"strconv"
	"strings"
)

// DataReport is what happened to the callers' existing data (scenario key
// data, docs/upgrades.md): how much was preloaded before the clock, and — once
// the upgrade was over — how much of it could still be read back. A record
// is missing when it was preloaded and the service no longer lists it; a
// caller with any missing record is invalidated, and is the caller that
// re-uploads in the seed's storm. A caller whose listing could not be read
// is unreadable, never counted as missing. Verify figures are nil when the
// data was not read back (no data.verify, or the run stopped first).
type DataReport struct {
	PreloadedCallers   int64  `json:"preloaded_callers"`
	PreloadedRecords   int64  `json:"preloaded_records"`
	PreloadFailed      int64  `json:"preload_failed"` // callers whose preload never got done
	VerifiedRecords    *int64 `json:"verified_records"`
	MissingRecords     *int64 `json:"missing_records"`
	InvalidatedCallers *int64 `json:"invalidated_callers"`
	UnreadableCallers  *int64 `json:"unreadable_callers"`
	// UnreadableExample is the first listing that could not be read:
	// caller, status and why.
	UnreadableExample string `json:"unreadable_example,omitempty"`
	// Restormed is how many callers the storm sent after the verify
	// (data.restorm: invalidated); nil when every caller stormed.
	Restormed *int64 `json:"restormed_callers"`
	// ReadBacks are the read-backs, one per data.verify point in the order
	// they were made; the figures above are the last one's.
	ReadBacks []ReadBack `json:"read_backs,omitempty"`
}

// ReadBack is one reading back of the callers' data (a data.verify
// point): when, and what it found. A caller whose listing could not be
// read, even after retrying a refused connection until the deadline, is
// unreadable and counted in none of the other figures.
type ReadBack struct {
	Point              string  `json:"point"` // after_upgrade | end
	AtS                float64 `json:"at_s"`  // on the storm's clock
	VerifiedRecords    int64   `json:"verified_records"`
	MissingRecords     int64   `json:"missing_records"`
	InvalidatedCallers int64   `json:"invalidated_callers"`
	UnreadableCallers  int64   `json:"unreadable_callers"`
	UnreadableExample  string  `json:"unreadable_example,omitempty"`
}

// perReadBack is the figure f of each read-back, "after_upgrade 0, end
// 169", when there was more than one; "" otherwise.
func perReadBack(d *DataReport, f func(ReadBack) int64) string {
	if len(d.ReadBacks) < 2 {
		return ""
	}
	parts := make([]string, len(d.ReadBacks))
	for i, rb := range d.ReadBacks {
		parts[i] = rb.Point + " " + strconv.FormatInt(f(rb), 10)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// dataRows are the summary's data section; a report without a data block
// shows "n/a".
var dataRows = []row{
	{"data", "preloaded", dataText(func(d *DataReport) string {
		return n(d.PreloadedCallers) + " callers, " + n(d.PreloadedRecords) + " records"
	})},
	{"data", "missing records", dataText(func(d *DataReport) string {
		return np(d.MissingRecords) + perReadBack(d, func(rb ReadBack) int64 { return rb.MissingRecords })
	})},
	{"data", "invalidated callers", dataText(func(d *DataReport) string {
		return np(d.InvalidatedCallers) + perReadBack(d, func(rb ReadBack) int64 { return rb.InvalidatedCallers })
	})},
	{"data", "unreadable callers", dataText(func(d *DataReport) string {
		return np(d.UnreadableCallers) + perReadBack(d, func(rb ReadBack) int64 { return rb.UnreadableCallers })
	})},
	{"data", "restormed callers", dataText(func(d *DataReport) string {
		if d.Restormed == nil {
			return NotApplicable
		}
		return strconv.FormatInt(*d.Restormed, 10)
	})},
}

func dataText(f func(*DataReport) string) func(*Report) string {
	return func(r *Report) string {
		if r.Data == nil {
			return NotApplicable
		}
		return f(r.Data)
	}
}

// anyData reports whether any of rs had a data block: only then does the
// summary show the data section.
func anyData(rs []*Report) bool {
	for _, r := range rs {
		if r.Data != nil {
			return true
		}
	}
	return false
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
