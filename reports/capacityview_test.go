package reports_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// TestCapacityMarkdown: the PR comment has the answer, the bracket and a
// row per probe, an invalid one saying why.
func TestCapacityMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := views.WriteCapacityMarkdown(&b, reports.CapacityExample()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## rehearse capacity of shed: 280 callers (every gate held), 300 failed (shedding)",
		"bracket [280, 300], precision 10%", "INVALID: the generator saturated", "http_429 == 0", "not measured"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("capacity.md lacks %q:\n%s", want, b.String())
		}
	}
}

// TestCapacityHTMLInChromium draws capacity.html in headless Chromium:
// both curves, no JavaScript error, a link per probe.
func TestCapacityHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	var b bytes.Buffer
	if err := views.WriteCapacityHTML(&b, reports.CapacityExample()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `href="probes/x/shed/report.html"`); n != 8 {
		t.Fatalf("%d links to probe reports", n)
	}
	bin := testenv.Chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "capacity.html")
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=3000"}
	dom, err := exec.CommandContext(ctx, bin, append(flags, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	if !strings.Contains(string(dom), `data-charts="2"`) || !strings.Contains(string(dom), `data-js-errors="0"`) {
		t.Fatalf("charts not drawn: %s", regexp.MustCompile(`data-[a-z-]+="\d+"`).FindAllString(string(dom), -1))
	}
	if shots := os.Getenv("REHEARSE_SCREENSHOT_DIR"); shots != "" {
		shot := filepath.Join(shots, "capacity.png")
		if err := exec.CommandContext(ctx, bin, append(flags, "--window-size=1300,900", "--screenshot="+shot, "file://"+page)...).Run(); err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
}
