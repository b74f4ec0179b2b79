package reports

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
