package reports

// Uploads counts the uploads of callers that upload more than once
// (callers.every): each upload's end, apart from the callers' (a caller
// succeeded when all its uploads did). Nil in a report whose callers
// upload once.
type Uploads struct {
	Total     int64 `json:"total"`
	Succeeded int64 `json:"succeeded"` // answered 2xx (an accepted one's end is in async)
	GaveUp    int64 `json:"gave_up"`
	// Late are uploads that began after they were due because the
	// caller's previous upload was still going (a client does one upload
	// at a time).
	Late int64 `json:"late"`
	// Storm are the uploads every caller made at storm.at, on top of its
	// schedule.
	Storm int64 `json:"storm"`
}

// UploadEnd is one upload's end, for Uploads.
type UploadEnd struct {
	OK, GaveUp, Late, Storm bool
}

// AddUploadEnd counts one upload's end.
func (a *Aggregator) AddUploadEnd(u UploadEnd) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.uploads == nil {
		a.uploads = &Uploads{}
	}
	a.uploads.Total++
	if u.OK {
		a.uploads.Succeeded++
	}
	if u.GaveUp {
		a.uploads.GaveUp++
	}
	if u.Late {
		a.uploads.Late++
	}
	if u.Storm {
		a.uploads.Storm++
	}
}

// uploadsCopy is the report's uploads section, nil when none was counted.
func (a *Aggregator) uploadsCopy() *Uploads {
	if a.uploads == nil {
		return nil
	}
	u := *a.uploads
	return &u
}
