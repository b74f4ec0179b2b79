package reports

import (
	"fmt"
	"strconv"
	"strings"
)

// A merge that lacks shards is partial (docs/shards.md, "Partial
// merges"): its figures hold only the callers of the shards that
// reported, so it is never a pass, whatever its gates say of what arrived.
// Its verdict is VerdictPartial, each view names the missing shards and
// their share of the callers, and its exit code is 3 — or 1 when a gate
// already failed on what arrived (a failure the rest cannot undo).

// MissingShard is a shard of a merged run that never reported.
type MissingShard struct {
	Shard int `json:"shard"` // its index, as --shard i/n names it
	Of    int `json:"of"`
	// Callers is how many of the run's callers it held, Share that as a
	// fraction (0..1) of all of them; nil when not known (shard results
	// written before they recorded the run's callers).
	Callers *int64   `json:"callers"`
	Share   *float64 `json:"share"`
}

// PartialText is what a partial report's verdict says of its missing
// shards: "shard 2 of 3 never reported (33% of the callers)", "shards 1
// and 2 of 3 never reported (67% of the callers)"; "" when none is missing.
func PartialText(r *Report) string {
	m := r.MissingShards
	if len(m) == 0 {
		return ""
	}
	ids := make([]string, len(m))
	var share float64
	known := true
	for i, s := range m {
		ids[i] = strconv.Itoa(s.Shard)
		if s.Share == nil {
			known = false
		} else {
			share += *s.Share
		}
	}
	what := "shard " + ids[0]
	if len(ids) > 1 {
		what = "shards " + strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1]
	}
	text := fmt.Sprintf("%s of %d never reported", what, m[0].Of)
	if known {
		text += fmt.Sprintf(" (%s of the callers)", sharePercent(share))
	}
	return text
}

// sharePercent writes a share as a percentage: 33%, 0.5%, under 0.1%.
func sharePercent(f float64) string {
	switch p := 100 * f; {
	case p > 0 && p < 0.1:
		return "under 0.1%"
	case p < 10 && p != float64(int(p)):
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
}

// gateFailed reports whether a gate of r failed.
func gateFailed(r *Report) bool {
	for _, g := range r.Gates {
		if !g.Pass {
			return true
		}
	}
	return false
}

// PartialGateFailed reports whether a partial report's gates already
// failed on the traffic that arrived: its exit code is then 1, not 3.
func PartialGateFailed(r *Report) bool { return r.Verdict == VerdictPartial && gateFailed(r) }
