package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/traffic"
)

// printFitCloseness says how close the fit came to the log: its peak
// uploads a second, and its median and p99 size (records × record bytes).
func (a *app) printFitCloseness(fit traffic.Fit, sum *traffic.Summary) {
	pct := func(got, want float64) string {
		if want == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%+.1f%%", 100*(got-want)/want)
	}
	peak := int(fit.Uploads)
	if fit.Steps != nil {
		peak = traffic.Peak(fit.Steps)
	} else if fit.Profile == vocab.ProfilePoisson {
		peak = int(fit.Rate + 0.5)
	}
	med, p99 := fit.RecordsMedian*fit.RecordBytes, fit.RecordsP99*fit.RecordBytes
	fmt.Fprintf(a.stdout, "\nclose to  peak %d/s (log %d/s, %s), size median %d B (log %d, %s), p99 %d B (log %d, %s)",
		peak, sum.PeakPerSecond, pct(float64(peak), float64(sum.PeakPerSecond)),
		med, sum.BytesMedian, pct(float64(med), float64(sum.BytesMedian)), p99, sum.BytesP99, pct(float64(p99), float64(sum.BytesP99)))
	fmt.Fprintf(a.stdout, "\nleft out  when each caller uploaded: a caller's n uploads fall one in each n-th of the curve's traffic (a replay keeps the instants)")
}

// printSummary prints what the import found.
func (a *app) printSummary(s *traffic.Summary) {
	w := a.stdout
	fmt.Fprintf(w, "read      %s lines of %d log(s) as %s in %s\n", reports.Commas(s.Lines), len(s.Sources), s.Format, s.Took.Round(time.Millisecond))
	if s.Bad > 0 {
		fmt.Fprintf(w, "skipped   %s bad lines (%.3f%%); the first:\n", reports.Commas(s.Bad), 100*float64(s.Bad)/float64(max(s.Lines, 1)))
		for _, b := range s.FirstBad {
			fmt.Fprintf(w, "            %s\n", b)
		}
	}
	if s.NoCaller > 0 {
		fmt.Fprintf(w, "skipped   %s lines without a caller under --caller %s\n", reports.Commas(s.NoCaller), s.Caller)
	}
	if s.Filtered > 0 {
		fmt.Fprintf(w, "skipped   %s uploads outside --since/--until/--path/--method\n", reports.Commas(s.Filtered))
	}
	hashed := ""
	if s.Hashed {
		hashed = ", names hashed"
	}
	if s.Sampled > 0 {
		fmt.Fprintf(w, "callers   %s of %s seen (--callers)%s; %s uploads of the others left out\n", reports.Commas(int64(s.Callers)), reports.Commas(int64(s.CallersSeen)), hashed, reports.Commas(s.Sampled))
	} else {
		fmt.Fprintf(w, "callers   %s%s\n", reports.Commas(int64(s.Callers)), hashed)
	}
	var methods []string
	for _, m := range slices.Sorted(maps.Keys(s.Methods)) {
		methods = append(methods, m+" "+reports.Commas(s.Methods[m]))
	}
	fmt.Fprintf(w, "uploads   %s (%s); most: %s\n", reports.Commas(s.Uploads), strings.Join(methods, ", "), s.TopRequest)
	if s.Uploads == 0 {
		return
	}
	fmt.Fprintf(w, "span      %s from %s\n", s.Span.Round(time.Millisecond), s.Start.Format(time.RFC3339))
	fmt.Fprintf(w, "peak      %s uploads in one second, at +%s\n", reports.Commas(int64(s.PeakPerSecond)), s.PeakAt)
	printSizes(w, s)
	fmt.Fprintf(w, "retries   %s uploads look like retries of a failed one (same caller, method, path and size within %s of a 4xx, 5xx or no answer)\n",
		reports.Commas(s.Retries), s.RetryWindow)
	if s.Unsized > 0 {
		fmt.Fprintf(w, "          %s uploads without a logged size were not looked at: a retry is told by its size\n", reports.Commas(s.Unsized))
	}
}

// printSizes prints where the sizes came from: each field and its
// uploads, and what the uploads that logged none will replay with.
func printSizes(w io.Writer, s *traffic.Summary) {
	if len(s.SizeFrom) == 0 {
		fmt.Fprintf(w, "sizes     not logged: every upload replays at %s (--assume-size); every report of the replay says so\n", humanBytes(s.AssumedBytes))
		return
	}
	approx := ""
	if s.SizesApprox {
		approx = ", within 0.1%"
	}
	fmt.Fprintf(w, "sizes     median %s, p99 %s, max %s%s\n", humanBytes(s.BytesMedian), humanBytes(s.BytesP99), humanBytes(s.BytesMax), approx)
	var from []string
	for _, src := range s.SizeFrom {
		from = append(from, fmt.Sprintf("%s (%s) for %s uploads", src.Field, traffic.SizeMeaning(src.Field), reports.Commas(src.Uploads)))
	}
	fmt.Fprintf(w, "          from %s\n", strings.Join(from, ", "))
	switch {
	case s.Unsized > 0 && s.AssumedBytes > 0:
		fmt.Fprintf(w, "          %s uploads logged no size: they replay at %s (--assume-size); every report of the replay says so\n", reports.Commas(s.Unsized), humanBytes(s.AssumedBytes))
	case s.Unsized > 0:
		fmt.Fprintf(w, "          %s uploads logged no size: they replay with the smallest body (choose theirs with --assume-size); every report of the replay says so\n", reports.Commas(s.Unsized))
	}
}

// humanBytes writes a size as 512 B, 12.3 KB, 4.5 MB (powers of 1000).
func humanBytes(n int64) string { return traffic.SizeText(n) }
