package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/internal/vocab"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// The scenarios `rehearse import` writes. They are text, not a marshalled
// scenarios.Scenario, so they carry comments that explain themselves; each
// is parsed before it is written, so a scenario import writes is valid.

// replayScenario is the scenario that replays the trace traceFile (in the
// same folder).
func replayScenario(name, traceFile string, speed float64, s *traffic.Summary, cmdline string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Replays the uploads of %s callers logged in %s:\n", reports.Commas(int64(s.Callers)), strings.Join(s.Sources, ", "))
	fmt.Fprintf(&b, "# %s uploads over %s from %s, at most %d in one second.\n", reports.Commas(s.Uploads), s.Span.Round(time.Second), s.Start.Format(time.RFC3339), s.PeakPerSecond)
	fmt.Fprintf(&b, "# Written by: %s\n", cmdline)
	b.WriteString(`#
# The replay sends each caller's uploads at their logged offsets divided by
# traffic.speed, with bodies of the logged size in the shape of api.upload.
# Retries follow callers.retry (your clients' behaviour), not the log: the
# log's retries answered the old system. callers.count and callers.records
# describe the trace; the replay takes both from it.
`)
	fmt.Fprintf(&b, "name: %s\n", name)
	b.WriteString(`sut:
  reference: {mode: async}          # your candidate instead, e.g.:
  # image: {name: team/upload:v2, port: 9000, health: /health}
  # url: http://127.0.0.1:9000      # ...or a service you started
`)
	fmt.Fprintf(&b, "api:\n  upload: %s\n", strconv.Quote(uploadLine(s.TopRequest)))
	fmt.Fprintf(&b, "callers:\n  count: %d\n", s.Callers)
	if fit, err := s.Fit(scenarios.DefaultRecordBytes); err == nil {
		fmt.Fprintf(&b, "  records: {median: %d, p99: %d, max: %d}\n  record_bytes: %d\n", fit.RecordsMedian, fit.RecordsP99, fit.RecordsMax, fit.RecordBytes)
	} else {
		b.WriteString("  records: 1                        # the log has no sizes\n")
	}
	b.WriteString("  # retry: {attempts: 4, backoff: exponential, base: 1s, max: 30s, jitter: full}\n")
	fmt.Fprintf(&b, "traffic:\n  replay: %s\n  speed: %g\n", strconv.Quote(traceFile), speed)
	fmt.Fprintf(&b, "run:\n  max_duration: %s                # the span at this speed, plus two minutes\n", maxDuration(s.Span, speed))
	return b.String()
}

// fitScenario is the synthetic scenario fitted to the log.
func fitScenario(name string, f traffic.Fit, s *traffic.Summary, cmdline string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# A model of the %s uploads of %s callers logged in %s,\n", reports.Commas(s.Uploads), reports.Commas(int64(s.Callers)), strings.Join(s.Sources, ", "))
	fmt.Fprintf(&b, "# over %s from %s, at most %d in one second.\n", s.Span.Round(time.Second), s.Start.Format(time.RFC3339), s.PeakPerSecond)
	fmt.Fprintf(&b, "# Written by: %s\n", cmdline)
	b.WriteString(`#
# The logged callers, each uploading as many times as it did (retries
# included); records per upload log-normal from the logged sizes; all
# uploads on the per-second curve, each caller's spread over all of it.
`)
	fmt.Fprintf(&b, "name: %s\n", name)
	b.WriteString(`sut:
  reference: {mode: async}          # your candidate instead, e.g.:
  # image: {name: team/upload:v2, port: 9000, health: /health}
`)
	fmt.Fprintf(&b, "api:\n  upload: %s\n", strconv.Quote(uploadLine(s.TopRequest)))
	fmt.Fprintf(&b, "callers:\n  count: %d\n  records: {median: %d, p99: %d, max: %d}\n  record_bytes: %d\n",
		f.Count, f.RecordsMedian, f.RecordsP99, f.RecordsMax, f.RecordBytes)
	b.WriteString("  uploads:                          # how many callers uploaded how many times\n")
	for _, l := range f.PerCaller {
		fmt.Fprintf(&b, "    - {callers: %d, uploads: %d}\n", l.Callers, l.Uploads)
	}
	if f.Steps != nil {
		// The log's per-second curve, its bursts kept (the uploads' sum).
		b.WriteString("arrival:\n  profile: steps\n  steps:\n")
		for _, st := range f.Steps {
			fmt.Fprintf(&b, "    - {uploads: %d, window: %s}\n", st.Uploads, durationYAML(st.Window))
		}
		fmt.Fprintf(&b, "run:\n  max_duration: %s\n", maxDuration(s.Span+time.Second, 1))
		return b.String()
	}
	fmt.Fprintf(&b, "arrival:\n  profile: %s\n  window: %s\n", f.Profile, durationYAML(f.Window))
	if f.Profile == vocab.ProfilePoisson {
		fmt.Fprintf(&b, "  rate: %s\n", strconv.FormatFloat(f.Rate, 'g', 6, 64))
	}
	fmt.Fprintf(&b, "run:\n  max_duration: %s\n", maxDuration(f.Window, 1))
	return b.String()
}

// uploadLine is the trace's most frequent request as api.upload, when it
// is one (a path with {caller} and no other placeholder); else the
// reference services' upload.
func uploadLine(top string) string {
	method, path, ok := strings.Cut(top, " ")
	rest := strings.ReplaceAll(path, traffic.CallerPlaceholder, "")
	if !ok || method == "" || !strings.HasPrefix(path, "/") || rest == path || strings.ContainsAny(rest, "{}$ ") {
		return scenarios.DefaultUpload
	}
	return top
}

// maxDuration is span at speed, plus two minutes, at least the default
// run length, in whole seconds.
func maxDuration(span time.Duration, speed float64) string {
	d := time.Duration(float64(span)/speed) + 2*time.Minute
	d = max(d, scenarios.DefaultMaxDuration)
	return durationYAML(d.Round(time.Second) + time.Second)
}

// durationYAML writes d as a scenario duration, at least a millisecond.
func durationYAML(d time.Duration) string {
	return max(d, time.Millisecond).String()
}

// writeImportedScenario parses text as the scenario at path, then writes it: a
// scenario import writes and cannot read is a bug, reported as such.
func writeImportedScenario(path, text string, force bool) error {
	if _, err := scenarios.Parse(path, []byte(text)); err != nil {
		return fmt.Errorf("the scenario written for the import is not valid (a bug; please report it): %w", err)
	}
	if err := createFile(path, []byte(text), force); err != nil {
		if _, ok := errext.Code(err); ok {
			return err
		}
		return fmt.Errorf("write scenario: %w", err)
	}
	return nil
}
