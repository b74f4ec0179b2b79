package main

import (
	"fmt"
	"strings"
	"sync"

	"github.com/rehearse-dev/rehearse/reports"
)

// firstTLS says a run's first TLS failure on stderr, once, as soon as the
// storm's progress shows one (reports.Live.FirstTLS) or, for a run too
// short for a progress tick, from its report: "tls: failed to verify
// certificate: x509: certificate signed by unknown authority (caller 3,
// 0.21 s) — set sut.tls.ca …". A storm whose every handshake fails must
// not pass for a quiet one.
type firstTLS struct {
	once sync.Once
	logf func(string, ...any)
}

// live is the progress hook: it says the failure the first time one is in
// a snapshot.
func (f *firstTLS) live(l reports.Live) {
	if l.FirstTLS != nil {
		f.say(*l.FirstTLS)
	}
}

// report says the report's TLS failure, unless it was said already.
func (f *firstTLS) report(r *reports.Report) {
	if e, ok := r.Requests.ErrorExamples[reports.ClassTLS]; ok {
		f.say(e)
	}
}

func (f *firstTLS) say(e reports.ErrorExample) {
	f.once.Do(func() {
		msg := strings.TrimPrefix(strings.Join(strings.Fields(e.Message), " "), "tls: ")
		line := fmt.Sprintf("tls: %s (caller %d, %.2f s)", msg, e.Caller, e.AtS)
		if e.Hint != "" {
			line += " — " + e.Hint
		}
		f.logf("%s", line)
	})
}
