package views

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

// longReport is a run of n seconds at a steady 100 attempts a second,
// memory and latency flat, with one second of each kind of outlier: a
// spike of sent attempts, a second in which nothing succeeded, a p99
// spike, a memory spike, and a stretch with no successful attempt at all
// (a gap).
func longReport(n int) *reports.Report {
	r := richReport("long")
	r.Timeline = make([]reports.Bucket, n)
	for i := range r.Timeline {
		mem, cpu := int64(100)<<20, 0.5
		r.Timeline[i] = reports.Bucket{TS: float64(i), Sent: 100, OK: 95, Offered: 90, Goodput: 95, Inflight: 40,
			P50Ms: new(20.0), P99Ms: new(200.0), P99AllMs: new(210.0), SUTMemBytes: &mem, SUTCPU: &cpu}
	}
	spike, dip, slow, mem := n/3+1, n/2+3, 2*n/3+5, n-7
	r.Timeline[spike].Sent = 5000
	r.Timeline[dip].OK = 0
	r.Timeline[slow].P99Ms = new(9000.0)
	big := int64(900) << 20
	r.Timeline[mem].SUTMemBytes = &big
	for i := n / 4; i < n/4+20_000 && i < n; i++ {
		r.Timeline[i].P50Ms, r.Timeline[i].P99Ms = nil, nil
	}
	return r
}

// TestChartsOfALongRunKeepSpikes: a timeline of 100,000 seconds is drawn
// in at most maxPoints points a series, time ascending, and every
// one-second outlier survives: the highest and lowest of each series are
// those of the whole timeline; a stretch without a value stays a gap.
func TestChartsOfALongRunKeepSpikes(t *testing.T) {
	r := longReport(100_000)
	d := chartOf(r)
	if len(d.T) > maxPoints || len(d.T) < maxPoints/2 || d.Step != 67 || d.Seconds != 100_000 {
		t.Fatalf("%d points of step %d", len(d.T), d.Step)
	}
	for i := 1; i < len(d.T); i++ {
		if d.T[i] <= d.T[i-1] {
			t.Fatalf("time goes back at point %d: %v, %v", i, d.T[i-1], d.T[i])
		}
	}
	if m := slices.Max(d.Sent); m != 5000 {
		t.Errorf("sent spike drawn as %d", m)
	}
	if m := slices.Min(d.OK); m != 0 {
		t.Errorf("the second with no success drawn as %d", m)
	}
	if m := maxOf(d.P99); m != 9000 {
		t.Errorf("p99 spike drawn as %v", m)
	}
	if m := maxOf(d.MemMB); m != 900 {
		t.Errorf("memory spike drawn as %v MiB", m)
	}
	gaps := 0
	for _, v := range d.P99 {
		if v == nil {
			gaps++
		}
	}
	if gaps < 500 || gaps > 700 {
		t.Errorf("%d null points for 20,000 s without a success (67 s a group, two points each: about 596)", gaps)
	}
	short := richReport("short")
	if s := chartOf(short); len(s.T) != len(short.Timeline) || s.Step != 1 {
		t.Errorf("a %d s timeline drawn in %d points, step %d", len(short.Timeline), len(s.T), s.Step)
	}
	edge := longReport(maxPoints)
	if s := chartOf(edge); len(s.T) != maxPoints || s.Step != 1 {
		t.Errorf("a %d s timeline downsampled: %d points", maxPoints, len(s.T))
	}
}

// maxOf is the highest non-nil value.
func maxOf(vs []*float64) float64 {
	m := -1.0
	for _, v := range vs {
		if v != nil && *v > m {
			m = *v
		}
	}
	return m
}

// TestSummaryChartsShareTheirSteps: scenarios of different lengths in one
// summary are drawn in groups of the same seconds, so that point i is the
// same instant in each.
func TestSummaryChartsShareTheirSteps(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummaryHTML(&b, []*reports.Report{longReport(100_000), longReport(10_000)}); err != nil {
		t.Fatal(err)
	}
	steps := regexp.MustCompile(`"step_s":(\d+)`).FindAllStringSubmatch(b.String(), -1)
	if len(steps) != 2 || steps[0][1] != "67" || steps[1][1] != "67" {
		t.Fatalf("steps %v", steps)
	}
	long, short := chartOfStep(longReport(100_000), 67), chartOfStep(longReport(10_000), 67)
	if !slices.Equal(long.T[:len(short.T)-1], short.T[:len(short.T)-1]) {
		t.Fatal("the scenarios' points are not at the same instants")
	}
}

// TestLongRunChartsInChromium draws a 100,000-second report in headless
// Chromium: every chart, no script error, and the page says how it was
// downsampled.
func TestLongRunChartsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := testenv.Chromium(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, longReport(100_000)); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	html := string(testenv.ChromiumDOM(t, bin, page))
	if !strings.Contains(html, `data-js-errors="0"`) || !regexp.MustCompile(`data-charts="[5-9]"`).MatchString(html) {
		t.Fatalf("charts not drawn:\n%s", regexp.MustCompile(`data-[a-z-]+="\d+"`).FindAllString(html, -1))
	}
	if !strings.Contains(html, "The timeline has 100000 s: each chart draws it in groups of 67 s") {
		t.Error("the page does not say it is downsampled")
	}
	if len(b.String()) > 2<<20 {
		t.Errorf("report.html of a long run is %d bytes", b.Len())
	}
}
