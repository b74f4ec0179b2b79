package traffic

import (
	"cmp"
	"slices"
)

// CallerUploads is one line of a fit's callers.uploads: Callers callers
// that uploaded Uploads times each.
type CallerUploads struct {
	Callers, Uploads int
}

// MaxFitUploadLines bounds the lines of a fit's callers.uploads. A log
// of U uploads has at most √(2U) distinct uploads per caller — 1,414 for
// a million — and a scenario should stay readable.
const MaxFitUploadLines = 1000

// fitPerCaller is the lines of callers.uploads from a count of callers
// by uploads, fewest uploads first. Past MaxFitUploadLines, neighbouring
// lines are merged in groups, each group written as at most two lines
// (q and q+1 uploads) that keep its callers and its uploads exactly: the
// fitted callers make as many uploads as the log's.
func fitPerCaller(byUploads map[int]int) []CallerUploads {
	lines := make([]CallerUploads, 0, len(byUploads))
	for u, c := range byUploads {
		if c > 0 && u > 0 {
			lines = append(lines, CallerUploads{Callers: c, Uploads: u})
		}
	}
	slices.SortFunc(lines, func(a, b CallerUploads) int { return cmp.Compare(a.Uploads, b.Uploads) })
	if len(lines) <= MaxFitUploadLines {
		return lines
	}
	per := (len(lines) + MaxFitUploadLines/2 - 1) / (MaxFitUploadLines / 2)
	var out []CallerUploads
	for len(lines) > 0 {
		g := lines[:min(per, len(lines))]
		lines = lines[len(g):]
		var callers, uploads int
		for _, l := range g {
			callers += l.Callers
			uploads += l.Callers * l.Uploads
		}
		q, r := uploads/callers, uploads%callers
		if callers > r {
			out = append(out, CallerUploads{Callers: callers - r, Uploads: q})
		}
		if r > 0 {
			out = append(out, CallerUploads{Callers: r, Uploads: q + 1})
		}
	}
	return out
}
