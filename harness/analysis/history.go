package analysis

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rehearse-dev/rehearse/internal/atomicfile"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// Files History writes.
const (
	HistoryHTML = "history.html"
	HistoryMD   = "history.md"
)

// LoadHistory reads every run below the given paths (report.json files, run
// folders, folders of runs: CI artifacts gathered over weeks), without
// their attempt logs. With scenario "" the runs must be of one scenario;
// otherwise only that scenario's are kept. The runs are in no particular
// order (BuildHistory orders them).
func LoadHistory(paths []string, scenario string) ([]reports.Run, error) {
	var runs []reports.Run
	names := map[string]int{}
	for _, p := range paths {
		files, err := reportFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			rep, err := reports.Load(f)
			if err != nil {
				return nil, fmt.Errorf("load run %s: %w", f, err)
			}
			names[rep.Scenario.Name]++
			if scenario == "" || rep.Scenario.Name == scenario {
				runs = append(runs, reports.Run{Report: rep, Dir: filepath.Dir(f)})
			}
		}
	}
	all := make([]string, 0, len(names))
	for n, k := range names {
		all = append(all, fmt.Sprintf("%s (%d runs)", n, k))
	}
	slices.Sort(all)
	switch {
	case scenario == "" && len(names) > 1:
		return nil, fmt.Errorf("history: runs of several scenarios: %s; name one with --scenario", strings.Join(all, ", "))
	case len(runs) == 0:
		return nil, fmt.Errorf("history: %w of scenario %q (found %s)", ErrNoRuns, scenario, strings.Join(all, ", "))
	}
	return runs, nil
}

// WriteHistory writes history.html and history.md of h into dir.
func WriteHistory(dir string, h *reports.History) error {
	if err := atomicfile.Write(filepath.Join(dir, HistoryHTML), func(w io.Writer) error { return views.WriteHistoryHTML(w, h) }); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, HistoryMD), func(w io.Writer) error { return views.WriteHistoryMarkdown(w, h) })
}
