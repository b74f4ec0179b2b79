package views

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

// sixScenarios are six runs as long-valued as real ones: a long SUT image
// name, three replicas, completion not reached, several error classes.
func sixScenarios() []*reports.Report {
	names := []string{"synthetic-0a-upgrade", "synthetic-0b-migrate", "synthetic-1-sync", "synthetic-2-ratelimit", "synthetic-3-balanced", "synthetic-4-async"}
	var rs []*reports.Report
	for i, name := range names {
		r := richReport(name)
		r.SUT.Image, r.SUT.Mode = "rehearse/uploadsvc:34597920a729", []string{"sync", "async"}[i%2]
		if i == 4 {
			r.SUT.Replicas = 3
		}
		r.Requests.Errors = map[reports.Class]int64{reports.ClassConnRefused: 1300, reports.ClassConnReset: 1242, reports.ClassEOF: 343, reports.ClassTimeout: r.Requests.Timeouts}
		r.Verdict, r.Expect = reports.VerdictFail, reports.VerdictFail
		rs = append(rs, r)
	}
	rs[5].Verdict, rs[5].Expect = reports.VerdictPass, ""
	rs[5].Gates = []reports.GateResult{{Expr: "lost == 0", Value: new(0.0), Pass: true}}
	return rs
}

// TestSummaryShowsSixScenariosAt1400 opens summary.html of six scenarios
// in headless Chromium 1,400 px wide: no column may be cut (the page
// measures how much of the table is hidden to the right: 0), the row
// labels stick to the left when a narrower window scrolls, and the
// screenshot is not blank. REHEARSE_SCREENSHOT_DIR keeps the screenshot
// (docs/summary-screenshot.png is made so).
func TestSummaryShowsSixScenariosAt1400(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := testenv.Chromium(t)
	var buf bytes.Buffer
	if err := WriteSummaryHTML(&buf, sixScenarios()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "summary.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	hidden := func(width string) string {
		t.Helper()
		dom, err := exec.CommandContext(ctx, bin, append(flags, "--window-size="+width+",1800", "--virtual-time-budget=3000", "--dump-dom", "file://"+page)...).Output()
		if err != nil {
			t.Fatalf("chromium --dump-dom at %s px: %v", width, err)
		}
		m := regexp.MustCompile(`data-summary-hidden="(\d+)"`).FindSubmatch(dom)
		if m == nil {
			t.Fatalf("at %s px the page did not measure its summary table", width)
		}
		return string(m[1])
	}
	if h := hidden("1400"); h != "0" {
		t.Fatalf("at 1400 px, %s px of the six-scenario summary are cut off", h)
	}
	// A window too narrow for six columns scrolls the table, not the page.
	if h := hidden("800"); h == "0" {
		t.Fatal("at 800 px the six columns cannot all show, yet nothing scrolls")
	}
	shot := filepath.Join(dir, "summary.png")
	if out, err := exec.CommandContext(ctx, bin, append(flags, "--window-size=1400,1800", "--screenshot="+shot, "file://"+page)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1400 {
		t.Fatalf("screenshot %d px wide, want 1400", b.Dx())
	}
	if d := os.Getenv("REHEARSE_SCREENSHOT_DIR"); d != "" {
		if err := os.WriteFile(filepath.Join(d, "summary-six.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
