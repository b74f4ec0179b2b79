package views

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
)

// richReport has two minutes of timeline with a crash, a fault, memory
// near its limit and an async queue.
func richReport(name string) *reports.Report {
	r := reportstest.Sample(name, 30*time.Millisecond)
	r.Timeline = nil
	for i := 0; i < 120; i++ {
		mem, cpu, q := int64(60+i)<<20, 0.2+float64(i%10)/10, int64(200-i)
		r.Timeline = append(r.Timeline, reports.Bucket{TS: float64(i), Sent: int64(50 + i%7), OK: int64(45 + i%5), Timeouts: int64(i % 3), Errors: int64(i % 2),
			P50Ms: new(20 + float64(i%9)), P99Ms: new(200 + float64(i*3)), P99AllMs: new(150 + float64(i*3)), Inflight: int64(30 + i%11), SUTMemBytes: &mem, SUTCPU: &cpu, QueueDepth: &q})
	}
	r.Crashes.Events = []reports.CrashEvent{{AtS: 45, Container: "sut-1", Kind: "oom", ExitCode: 137, OOMKilled: true}}
	r.Events = []reports.Event{{AtS: 30, Kind: "fault", Container: "sut-1", Detail: "kill sut"}, {AtS: 46, Kind: "start", Container: "sut-1"}}
	r.ScenarioYAML = "name: " + name + "\ncallers: {count: 100}\n"
	return r
}

func TestHTMLIsSelfContainedAndEscaped(t *testing.T) {
	r := richReport("hostile")
	r.Scenario.Name = `</script><script>alert(1)</script>`
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if !strings.Contains(html, "uPlot") || !strings.Contains(html, "Attempts per second by outcome") {
		t.Fatal("uPlot or charts missing")
	}
	// Both latencies, each labelled, in the summary table and the chart.
	for _, want := range []string{"latency (successful)", "latency (all answered)", "p99 (all answered)", `"p99_all":[`} {
		if !strings.Contains(html, want) {
			t.Errorf("no %q in the report", want)
		}
	}
	if testenv.ExternalRef.MatchString(html) {
		t.Fatalf("external reference: %s", testenv.ExternalRef.FindString(html))
	}
	if strings.Contains(html, "<script>alert(1)</script>") {
		t.Fatal("scenario name not escaped")
	}
}

// TestHTMLRendersInChromium opens the report in headless Chromium: the
// charts must be drawn, with no JavaScript error, and the screenshot must
// not be blank.
func TestHTMLRendersInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := testenv.Chromium(t)
	dir := t.TempDir()
	for _, c := range []struct {
		file   string
		write  func(*bytes.Buffer) error
		charts int
	}{
		{"report.html", func(b *bytes.Buffer) error { return WriteHTML(b, richReport("seed-1-sync")) }, 6},
		{"summary.html", func(b *bytes.Buffer) error {
			return WriteSummaryHTML(b, []*reports.Report{richReport("seed-1-sync"), richReport("seed-4-async")})
		}, 4},
	} {
		var buf bytes.Buffer
		if err := c.write(&buf); err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(dir, c.file)
		if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
		dom, err := exec.CommandContext(ctx, bin, append(flags, "--virtual-time-budget=3000", "--dump-dom", "file://"+page)...).Output()
		if err != nil {
			cancel()
			t.Fatalf("chromium --dump-dom: %v", err)
		}
		m := regexp.MustCompile(`data-charts="(\d+)"`).FindSubmatch(dom)
		e := regexp.MustCompile(`data-js-errors="(\d+)"`).FindSubmatch(dom)
		if m == nil || e == nil {
			cancel()
			t.Fatalf("%s: the page's script did not finish", c.file)
		}
		drawn, _ := strconv.Atoi(string(m[1]))
		if drawn < c.charts || string(e[1]) != "0" {
			cancel()
			t.Fatalf("%s: %d charts drawn (want >= %d), %s JS errors", c.file, drawn, c.charts, e[1])
		}
		shot := filepath.Join(dir, c.file+".png")
		out, err := exec.CommandContext(ctx, bin, append(flags, "--window-size=1300,2400", "--screenshot="+shot, "file://"+page)...).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("chromium --screenshot: %v\n%s", err, out)
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		colored := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 4 {
			for x := b.Min.X; x < b.Max.X; x += 4 {
				r, g, bl, _ := img.At(x, y).RGBA()
				if r != g || g != bl { // chart lines and the verdict are coloured
					colored++
				}
			}
		}
		if colored < 500 {
			t.Fatalf("%s: screenshot looks blank (%d coloured samples)", c.file, colored)
		}
		if os.Getenv("REHEARSE_SCREENSHOT_DIR") != "" {
			data, _ := os.ReadFile(shot)
			_ = os.WriteFile(filepath.Join(os.Getenv("REHEARSE_SCREENSHOT_DIR"), c.file+".png"), data, 0o644)
		}
	}
}
