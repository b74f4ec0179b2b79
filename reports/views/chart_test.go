package views

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
)

// TestCPUNeverNegative: a CPU counter that went back across a container
// restart gives a negative delta; it is no measurement, in the timeline or
// the chart.
func TestCPUNeverNegative(t *testing.T) {
	a := reports.NewAggregator(reportstest.T0)
	a.AddSample(reports.Sample{At: 0, Container: "sut-1", MemBytes: 1 << 20, CPU: 0.5, QueueDepth: -1})
	a.AddSample(reports.Sample{At: time.Second, Container: "sut-1", MemBytes: 1 << 20, CPU: -2.6, QueueDepth: -1})
	a.AddSample(reports.Sample{At: 2 * time.Second, Container: "sut-1", MemBytes: 1 << 20, CPU: -1, QueueDepth: -1})
	a.AddSample(reports.Sample{At: 2 * time.Second, Container: "sut-2", MemBytes: 1 << 20, CPU: 0.25, QueueDepth: -1})
	r := a.Finish(reportstest.T0.Add(3 * time.Second))
	if c := r.Timeline[0].SUTCPU; c == nil || *c != 0.5 {
		t.Errorf("second 0: %v", c)
	}
	if c := r.Timeline[1].SUTCPU; c != nil {
		t.Errorf("second 1: negative sample kept as %v", *c)
	}
	if c := r.Timeline[2].SUTCPU; c == nil || *c != 0.25 {
		t.Errorf("second 2: %v, want the usable container's 0.25", c)
	}
	// A report from elsewhere with a negative value is not drawn below 0.
	neg := -2.6
	r.Timeline[1].SUTCPU = &neg
	for _, v := range chartOf(r).CPU {
		if v != nil && *v < 0 {
			t.Fatalf("chart draws %v", *v)
		}
	}
}

func TestQueueChartOnlyWithAQueue(t *testing.T) {
	async := richReport("a")
	if !chartOf(async).HasQueue {
		t.Fatal("async service with queue depths has no queue chart")
	}
	sync := richReport("s")
	sync.SUT.Mode, sync.Async = "sync", nil
	if chartOf(sync).HasQueue {
		t.Error("sync service got a queue chart")
	}
	noQueue := richReport("n")
	for i := range noQueue.Timeline {
		noQueue.Timeline[i].QueueDepth = nil
	}
	if chartOf(noQueue).HasQueue {
		t.Error("no queue depth sampled, yet a queue chart")
	}
}

func TestStaticLegendShowsNoPlaceholders(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, richReport("a")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "legend: {live: false}") {
		t.Error("uPlot legend is live in a static page: it shows -- for every value")
	}
}

// TestChartsInChromium draws a synchronous service's report in headless
// Chromium: no queue chart, and a legend without "--" placeholders.
func TestChartsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := testenv.Chromium(t)
	r := richReport("sync")
	r.SUT.Mode, r.Async = "sync", nil
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	html := string(testenv.ChromiumDOM(t, bin, page))
	if !strings.Contains(html, `data-charts="6"`) || !strings.Contains(html, `data-js-errors="0"`) {
		t.Fatalf("charts not drawn:\n%s", regexp.MustCompile(`data-[a-z-]+="\d+"`).FindAllString(html, -1))
	}
	if strings.Contains(html, "<h3>Async queue depth</h3>") {
		t.Error("a synchronous service got a queue chart")
	}
	if regexp.MustCompile(`class="u-value"[^>]*>--<`).MatchString(html) {
		t.Error("the legend shows -- for values")
	}
}

func TestLatencyGapWhenNothingWasSent(t *testing.T) {
	a := reports.NewAggregator(reportstest.T0)
	a.AddAttempt(reports.Attempt{Sent: 0, Latency: 20 * time.Millisecond, Status: 200})
	a.AddAttempt(reports.Attempt{Sent: 2 * time.Second, Latency: 30 * time.Millisecond, Status: 200})
	d := chartOf(a.Finish(reportstest.T0.Add(3 * time.Second)))
	if d.P50[0] == nil || d.P50[1] != nil || d.P99[1] != nil || d.P99[2] == nil {
		t.Fatalf("p50 %v p99 %v: second 1 sent nothing and must be a gap", d.P50, d.P99)
	}
}
