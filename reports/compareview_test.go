package reports

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCompareCompletionIsHonest: the sync act's completion p99 is not
// reached (404 of 500 gave up); the async act, whose callers all complete
// in 3 s, is better on it, not +240% worse; drain does not apply to the
// sync side. One run a side: the notes say the verdict rests on it.
func TestCompareCompletionIsHonest(t *testing.T) {
	c := Compare(one(syncAct()), one(asyncAct()), CompareOptions{})
	if m := metric(t, c, "completion_p99_ms"); m.Verdict != VerdictBetter || m.Baseline.Median != nil || m.Baseline.NotReached != 1 || m.Shift != nil {
		t.Errorf("completion_p99_ms %+v", m)
	}
	if m := metric(t, c, "drain_s"); m.Verdict != NotApplicable || m.Baseline != nil || !strings.HasPrefix(m.BaselineNote, "n/a") {
		t.Errorf("drain_s %+v", m)
	}
	if c.Mode != "single_run" || len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "the verdict rests on the attempts of a single run") {
		t.Errorf("mode %s notes %v", c.Mode, c.Notes)
	}
	if c.Worse() {
		t.Errorf("async split called worse: %+v", c.Metrics)
	}
	// The other way round the candidate did not reach p99 and timed out.
	back := Compare(one(asyncAct()), one(syncAct()), CompareOptions{})
	if m := metric(t, back, "completion_p99_ms"); m.Verdict != VerdictWorse {
		t.Errorf("censored candidate: %+v", m)
	}
	if m := metric(t, back, "timeout_rate"); m.Verdict != VerdictWorse || !back.Worse() {
		t.Errorf("timeouts rose: %+v", m)
	}
	table := written(t, func(b *bytes.Buffer) error { return WriteComparisonTable(b, c) })
	for _, want := range []string{"not reached", "n/a (synchronous service)", "rests on the attempts of a single run"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, "drain_s") && (strings.Contains(line, "same") || strings.Contains(line, "| 0 ")) {
			t.Errorf("drain_s shown as same or 0: %s", line)
		}
	}
}

// TestCompareSlowerCandidateIsWorse: a candidate 20% slower is worse on
// the latency percentiles with 5 runs a side, with an interval around the
// shift; the same with one run a side says so and still tests.
func TestCompareSlowerCandidateIsWorse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := build{ms: 40, runNoise: 0.03}.runs(rng, "v1", 5)
	cand := build{ms: 48, runNoise: 0.03}.runs(rng, "v2", 5)
	c := Compare(base, cand, CompareOptions{})
	if !c.Worse() || c.Mode != "runs" {
		t.Fatalf("20%% slower: %s\n%s", c.headline(), written(t, func(b *bytes.Buffer) error { return WriteComparisonTable(b, c) }))
	}
	m := metric(t, c, "p50_ms")
	if m.Verdict != VerdictWorse || m.ShiftLow == nil || *m.ShiftLow < 4 || *m.ShiftHigh > 13 || *m.RelShift < 0.12 || *m.RelShift > 0.28 || *m.PHolm >= 0.05 {
		t.Fatalf("p50 %+v low %v high %v", m, deref(m.ShiftLow), deref(m.ShiftHigh))
	}
	if m := metric(t, c, "lost"); m.Verdict != VerdictSame {
		t.Errorf("lost %+v", m)
	}
	single := Compare(base[:1], cand[:1], CompareOptions{})
	if p := metric(t, single, "p50_ms"); p.Test != TestAttempts || p.Verdict != VerdictWorse {
		t.Errorf("one run a side: %+v", p)
	}
}

func TestCompareSameBuildPassesSlowerFails(t *testing.T) {
	run := func(r *Report, lat []float64) []Run { return []Run{{Report: r, Latencies: lat}} }
	base := sample("a", 25*time.Millisecond)
	same := sample("a", 25*time.Millisecond)
	*same.LatencyMs.P50 *= 1.01
	if c := Compare(run(base, latencies(1, 5000, 1)), run(same, latencies(2, 5000, 1)), CompareOptions{}); c.Worse() {
		t.Fatalf("same build flagged: %+v", c.Metrics)
	}
	slow := sample("a", 75*time.Millisecond)
	c := Compare(run(base, latencies(1, 5000, 1)), run(slow, latencies(2, 5000, 3)), CompareOptions{})
	if !c.Worse() || c.Metrics[0].Verdict != VerdictWorse {
		t.Fatalf("3x slower not flagged: %+v", c.Metrics[0])
	}
	lost := sample("a", 25*time.Millisecond)
	lost.Async.Lost = 2
	if c := Compare(run(base, nil), run(lost, nil), CompareOptions{}); !c.Worse() {
		t.Fatal("more lost uploads not worse")
	}
	for _, w := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return WriteComparisonTable(b, c) },
		func(b *bytes.Buffer) error { return WriteComparisonMarkdown(b, c) },
		func(b *bytes.Buffer) error { return WriteComparisonJSON(b, c) },
		func(b *bytes.Buffer) error { return WriteComparisonHTML(b, c) },
	} {
		var b bytes.Buffer
		if err := w(&b); err != nil || !strings.Contains(b.String(), "lost") {
			t.Fatalf("comparison writer: %v", err)
		}
	}
}

// TestCompareAndHistoryInChromium opens compare.html and history.html in
// headless Chromium: the CDF and the dot charts, and the trend charts, are
// drawn without a JavaScript error.
func TestCompareAndHistoryInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := chromium(t)
	rng := rand.New(rand.NewPCG(13, 14))
	c := Compare(build{ms: 40, runNoise: 0.05}.runs(rng, "v1", 5), build{ms: 48, runNoise: 0.05}.runs(rng, "v2", 5), CompareOptions{})
	h := BuildHistory(historyRuns(rng), HistoryOptions{})
	dir := t.TempDir()
	for _, p := range []struct {
		file   string
		write  func(*bytes.Buffer) error
		charts int
	}{
		{"compare.html", func(b *bytes.Buffer) error { return WriteComparisonHTML(b, c) }, 4}, // the CDF and a dot chart per varying metric
		{"history.html", func(b *bytes.Buffer) error { return WriteHistoryHTML(b, h) }, 6},
	} {
		var buf bytes.Buffer
		if err := p.write(&buf); err != nil {
			t.Fatal(err)
		}
		if externalRef.MatchString(buf.String()) {
			t.Fatalf("%s: external reference %s", p.file, externalRef.FindString(buf.String()))
		}
		page := filepath.Join(dir, p.file)
		if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		dom, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000", "--dump-dom", "file://"+page).Output()
		cancel()
		if err != nil {
			t.Fatalf("chromium --dump-dom %s: %v", p.file, err)
		}
		m := regexp.MustCompile(`data-charts="(\d+)"`).FindSubmatch(dom)
		e := regexp.MustCompile(`data-js-errors="(\d+)"`).FindSubmatch(dom)
		if m == nil || e == nil || string(e[1]) != "0" {
			t.Fatalf("%s: the script did not finish cleanly: %q %q", p.file, m, e)
		}
		if drawn, _ := strconv.Atoi(string(m[1])); drawn < p.charts {
			t.Fatalf("%s: %d charts drawn, want >= %d", p.file, drawn, p.charts)
		}
		if !bytes.Contains(dom, []byte("uplot")) {
			t.Fatalf("%s: no uPlot canvas", p.file)
		}
	}
}
