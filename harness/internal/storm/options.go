package storm

import (
	"time"

	"github.com/rehearse-dev/rehearse/reports"
)

// Options configure Run.
type Options struct {
	// Target is the base URL, e.g. http://127.0.0.1:8080.
	Target string
	// Start is the clock origin of every offset; zero means now.
	Start time.Time
	// Aggregator receives every attempt and caller outcome (required).
	Aggregator *reports.Aggregator
	// AttemptLog, when set, receives every attempt too.
	AttemptLog *reports.AttemptLog
	// AllowRemote lets Target be outside loopback.
	AllowRemote bool
	// Shard selects part of the callers.
	Shard Shard
	// Logf receives human progress lines; nil discards them.
	Logf func(format string, args ...any)
	// Pollers bounds the status polls of accepted uploads in flight; 0 or
	// less means 64.
	Pollers int
	// Only, when set, limits the storm to the callers it returns true for
	// (within the shard): data.restorm's invalidated callers.
	Only func(caller int) bool
	// After delays every first attempt by this much from Start, so a storm
	// that begins later (after an upgrade and a verify) keeps the run's
	// clock.
	After time.Duration
	// OnOutcome, when set, receives every caller's end as the aggregator
	// does (data.preload learns which callers' data was stored).
	OnOutcome func(reports.CallerOutcome)
}

// defaultPollers is what Options.Pollers 0 means.
const defaultPollers = 64
