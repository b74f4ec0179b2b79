package reports_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// TestCompareCompletionIsHonest: the sync act's completion p99 is not
// reached (404 of 500 gave up); the async act, whose callers all complete
// in 3 s, is better on it, not +240% worse; drain does not apply to the
// sync side. One run a side: the notes say the verdict rests on it.
func TestCompareCompletionIsHonest(t *testing.T) {
	c := reports.Compare(reports.One(reports.SyncAct()), reports.One(reports.AsyncAct()), reports.CompareOptions{})
	if m := reports.Metric(t, c, "completion_p99_ms"); m.Verdict != reports.VerdictBetter || m.Baseline.Median != nil || m.Baseline.NotReached != 1 || m.Shift != nil {
		t.Errorf("completion_p99_ms %+v", m)
	}
	if m := reports.Metric(t, c, "drain_s"); m.Verdict != reports.NotApplicable || m.Baseline != nil || !strings.HasPrefix(m.BaselineNote, "n/a") {
		t.Errorf("drain_s %+v", m)
	}
	if c.Mode != "single_run" || len(c.Notes) == 0 || !strings.Contains(c.Notes[0], "the verdict rests on the attempts of a single run") {
		t.Errorf("mode %s notes %v", c.Mode, c.Notes)
	}
	if c.Worse() {
		t.Errorf("async split called worse: %+v", c.Metrics)
	}
	// The other way round the candidate did not reach p99 and timed out.
	back := reports.Compare(reports.One(reports.AsyncAct()), reports.One(reports.SyncAct()), reports.CompareOptions{})
	if m := reports.Metric(t, back, "completion_p99_ms"); m.Verdict != reports.VerdictWorse {
		t.Errorf("censored candidate: %+v", m)
	}
	if m := reports.Metric(t, back, "timeout_rate"); m.Verdict != reports.VerdictWorse || !back.Worse() {
		t.Errorf("timeouts rose: %+v", m)
	}
	table := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteComparisonTable(b, c) })
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
	base := reports.Build{Ms: 40, RunNoise: 0.03}.Runs(rng, "v1", 5)
	cand := reports.Build{Ms: 48, RunNoise: 0.03}.Runs(rng, "v2", 5)
	c := reports.Compare(base, cand, reports.CompareOptions{})
	if !c.Worse() || c.Mode != "runs" {
		t.Fatalf("20%% slower: %s\n%s", c.Headline(), testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteComparisonTable(b, c) }))
	}
	m := reports.Metric(t, c, "p50_ms")
	if m.Verdict != reports.VerdictWorse || m.ShiftLow == nil || *m.ShiftLow < 4 || *m.ShiftHigh > 13 || *m.RelShift < 0.12 || *m.RelShift > 0.28 || *m.PHolm >= 0.05 {
		t.Fatalf("p50 %+v low %v high %v", m, reports.Deref(m.ShiftLow), reports.Deref(m.ShiftHigh))
	}
	if m := reports.Metric(t, c, "lost"); m.Verdict != reports.VerdictSame {
		t.Errorf("lost %+v", m)
	}
	single := reports.Compare(base[:1], cand[:1], reports.CompareOptions{})
	if p := reports.Metric(t, single, "p50_ms"); p.Test != reports.TestAttempts || p.Verdict != reports.VerdictWorse {
		t.Errorf("one run a side: %+v", p)
	}
}

func TestCompareSameBuildPassesSlowerFails(t *testing.T) {
	run := func(r *reports.Report, lat []float64) []reports.Run {
		return []reports.Run{{Report: r, Latencies: lat}}
	}
	base := reportstest.Sample("a", 25*time.Millisecond)
	same := reportstest.Sample("a", 25*time.Millisecond)
	*same.LatencyMs.P50 *= 1.01
	if c := reports.Compare(run(base, reports.Latencies(1, 5000, 1)), run(same, reports.Latencies(2, 5000, 1)), reports.CompareOptions{}); c.Worse() {
		t.Fatalf("same build flagged: %+v", c.Metrics)
	}
	slow := reportstest.Sample("a", 75*time.Millisecond)
	c := reports.Compare(run(base, reports.Latencies(1, 5000, 1)), run(slow, reports.Latencies(2, 5000, 3)), reports.CompareOptions{})
	if !c.Worse() || c.Metrics[0].Verdict != reports.VerdictWorse {
		t.Fatalf("3x slower not flagged: %+v", c.Metrics[0])
	}
	lost := reportstest.Sample("a", 25*time.Millisecond)
	lost.Async.Lost = 2
	if c := reports.Compare(run(base, nil), run(lost, nil), reports.CompareOptions{}); !c.Worse() {
		t.Fatal("more lost uploads not worse")
	}
	for _, w := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return views.WriteComparisonTable(b, c) },
		func(b *bytes.Buffer) error { return views.WriteComparisonMarkdown(b, c) },
		func(b *bytes.Buffer) error { return reports.WriteComparisonJSON(b, c) },
		func(b *bytes.Buffer) error { return views.WriteComparisonHTML(b, c) },
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
	bin := testenv.Chromium(t)
	rng := rand.New(rand.NewPCG(13, 14))
	c := reports.Compare(reports.Build{Ms: 40, RunNoise: 0.05}.Runs(rng, "v1", 5), reports.Build{Ms: 48, RunNoise: 0.05}.Runs(rng, "v2", 5), reports.CompareOptions{})
	h := reports.BuildHistory(historyRuns(rng), reports.HistoryOptions{})
	dir := t.TempDir()
	for _, p := range []struct {
		file   string
		write  func(*bytes.Buffer) error
		charts int
	}{
		{"compare.html", func(b *bytes.Buffer) error { return views.WriteComparisonHTML(b, c) }, 4}, // the CDF and a dot chart per varying metric
		{"history.html", func(b *bytes.Buffer) error { return views.WriteHistoryHTML(b, h) }, 6},
	} {
		var buf bytes.Buffer
		if err := p.write(&buf); err != nil {
			t.Fatal(err)
		}
		if testenv.ExternalRef.MatchString(buf.String()) {
			t.Fatalf("%s: external reference %s", p.file, testenv.ExternalRef.FindString(buf.String()))
		}
		page := filepath.Join(dir, p.file)
		if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		dom := testenv.ChromiumDOM(t, bin, page)
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
