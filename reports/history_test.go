package reports_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// historyRuns are 14 nightly runs of one scenario: 8 on machine A, the 9th
// 40% slower on A (a regression), then 5 on machine B (twice as fast: a
// change of machine, not of code), the last one losing an upload.
func historyRuns(rng *rand.Rand) []reports.Run {
	a := &reports.Host{Hostname: "runner-a", OS: "linux", Arch: "amd64", CPUs: 2, CPUModel: "AMD EPYC 7763"}
	b := &reports.Host{Hostname: "runner-b", OS: "linux", Arch: "amd64", CPUs: 4, CPUModel: "Intel Xeon 8370C"}
	var runs []reports.Run
	for i := range 14 {
		bl := reports.Build{Ms: 40, RunNoise: 0.03}
		host := a
		switch {
		case i == 8:
			bl.Ms = 56
		case i >= 9:
			bl.Ms, host = 20, b
		}
		if i == 13 {
			bl.Lost = func(int) int { return 1 }
		}
		r := bl.Runs(rng, "nightly", 1)[0]
		r.Report.StartedAt = reports.T0.Add(time.Duration(i) * 24 * time.Hour)
		r.Report.Host = host
		r.Dir = "artifacts/night-" + string(rune('a'+i))
		runs = append(runs, r)
	}
	// Artifacts arrive in any order.
	slices.Reverse(runs)
	return runs
}

func TestHistoryMarksRegressionsAndMachineChanges(t *testing.T) {
	h := reports.BuildHistory(historyRuns(rand.New(rand.NewPCG(21, 22))), reports.HistoryOptions{})
	if len(h.Points) != 14 || h.Scenario != "nightly" || !h.Points[0].StartedAt.Before(h.Points[13].StartedAt) {
		t.Fatalf("points %d scenario %s", len(h.Points), h.Scenario)
	}
	for i, p := range h.Points {
		judged := (i >= 3 && i <= 8) || i >= 12
		if p.Judged != judged {
			t.Errorf("run %d judged %v (window %d)", i+1, p.Judged, p.WindowRuns)
		}
		switch {
		case i == 8:
			if !slices.Contains(p.Worse, "p50_ms") || !slices.Contains(p.Worse, "p99_ms") {
				t.Errorf("run 9, 40%% slower: worse %v", p.Worse)
			}
		case i == 13:
			if !slices.Equal(p.Worse, []string{"lost"}) {
				t.Errorf("run 14 lost an upload: worse %v", p.Worse)
			}
		case len(p.Worse) > 0:
			t.Errorf("run %d: worse %v", i+1, p.Worse)
		}
		if p.MachineChanged != (i == 9) {
			t.Errorf("run %d machine changed %v", i+1, p.MachineChanged)
		}
	}
	md := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHistoryMarkdown(b, h) })
	for _, want := range []string{"run 9 (", "worse on p50_ms", "run 14 (", "worse on lost",
		"run 10 (2026-12-03 12:00): machine changed from AMD EPYC 7763 ×2, linux/amd64 to Intel Xeon 8370C ×4, linux/amd64", "▲"} {
		if !strings.Contains(md, want) {
			t.Errorf("digest lacks %q:\n%s", want, md)
		}
	}
	html := testenv.Written(t, func(b *bytes.Buffer) error { return views.WriteHistoryHTML(b, h) })
	if !strings.Contains(html, "machine changed") || strings.Contains(html, "<td>**") {
		t.Errorf("history.html: machine change or Markdown markup: %v %v", strings.Contains(html, "machine changed"), strings.Index(html, "**"))
	}
}
