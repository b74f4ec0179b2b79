package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// Written is what write renders, failing the test on its error.
func Written(t testing.TB, write func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// RowValue finds a summary row's value in a table or Markdown rendering:
// the cell after section and label.
func RowValue(t testing.TB, text, section, label string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(section) + ` *\| ` + regexp.QuoteMeta(label) + ` *\| ([^|]*?) *\|`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no row %s/%s in\n%s", section, label, text)
	}
	return m[1]
}

// ExternalRef matches a page's reference to anything outside it (a
// script, a stylesheet or an image from the network): rehearse's pages are
// self-contained, to open from a CI artifact offline.
var ExternalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`)

// Chromium is the path of a headless-capable Chromium. Without one the
// test is skipped, except under CI=true, where .ci/run installs Debian's
// chromium and its absence is a failure.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no chromium: .ci/run installs Debian's chromium")
	}
	t.Skip("SKIPPING browser test: chromium not installed (apt-get install chromium)")
	return ""
}

// ChromiumDOM is the DOM of the page at path after headless Chromium (bin,
// from Chromium) ran its scripts for three seconds of virtual time; the
// test fails if Chromium does.
func ChromiumDOM(t testing.TB, bin, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000", "--dump-dom", "file://"+path).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v", filepath.Base(path), err)
	}
	return dom
}
