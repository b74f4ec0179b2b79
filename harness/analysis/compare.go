package analysis

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// ErrNoRuns is returned (wrapped) when a path given as a side of a
// comparison or a history holds no report.json.
var ErrNoRuns = errors.New("no run found")

// CompareRuns loads the runs of each side (LoadRuns) and compares them.
// Tolerances not set in opts come from the compare block of the scenario
// the candidate's runs were made with (recorded in their reports), else
// the baseline's, else the defaults.
func CompareRuns(baseline, candidate string, opts reports.CompareOptions) (*reports.Comparison, error) {
	return CompareRunSets([]string{baseline}, []string{candidate}, opts)
}

// CompareRunSets is CompareRuns over several paths a side, each read by
// LoadRuns (the run folders of run --repeat, in the order they ran).
func CompareRunSets(baseline, candidate []string, opts reports.CompareOptions) (*reports.Comparison, error) {
	var sides [2][]reports.Run
	for i, paths := range [][]string{baseline, candidate} {
		for _, p := range paths {
			runs, err := LoadRuns(p)
			if err != nil {
				return nil, err
			}
			sides[i] = append(sides[i], runs...)
		}
		if len(sides[i]) == 0 {
			return nil, fmt.Errorf("compare: %w on one side", ErrNoRuns)
		}
	}
	opts.Tolerances = tolerances(opts.Tolerances, sides[0][0].Report, sides[1][0].Report)
	return reports.Compare(sides[0], sides[1], opts), nil
}

// tolerances merges, key by key, the given tolerances over the candidate's
// scenario's compare block over the baseline's.
func tolerances(given map[string]reports.Tolerance, base, cand *reports.Report) map[string]reports.Tolerance {
	out := map[string]reports.Tolerance{}
	for _, r := range []*reports.Report{base, cand} {
		block, err := scenarios.CompareBlock([]byte(r.ScenarioYAML))
		if err != nil {
			continue // the scenario was validated when it ran; a report edited since keeps the defaults
		}
		for k, t := range block {
			out[k] = reports.Tolerance{Value: t.Value, Relative: t.Relative}
		}
	}
	for k, t := range given {
		out[k] = t
	}
	return out
}

// LoadRuns reads the runs at path: a report.json, a run folder, or a folder
// holding several runs of one scenario at any depth (CI artifacts, the
// folders of run --repeat). Runs are in the order they started. Each run's
// successful attempts' latencies come from the attempt log beside its
// report, when there is one. A path of runs of several scenarios is an
// error naming them.
func LoadRuns(path string) ([]reports.Run, error) {
	files, err := reportFiles(path)
	if err != nil {
		return nil, err
	}
	var runs []reports.Run
	names := map[string]bool{}
	for _, f := range files {
		run, err := loadRun(f)
		if err != nil {
			return nil, err
		}
		names[run.Report.Scenario.Name] = true
		runs = append(runs, run)
	}
	if len(names) > 1 {
		all := make([]string, 0, len(names))
		for n := range names {
			all = append(all, n)
		}
		slices.Sort(all)
		return nil, fmt.Errorf("load runs %s: runs of several scenarios (%s); give a folder of one", path, strings.Join(all, ", "))
	}
	slices.SortStableFunc(runs, func(a, b reports.Run) int { return a.Report.StartedAt.Compare(b.Report.StartedAt) })
	return runs, nil
}

// reportFiles finds the report.json files at path.
func reportFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load runs: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == reports.ReportJSON {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load runs %s: %w", path, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("load runs %s: %w (no %s in it or below)", path, ErrNoRuns, reports.ReportJSON)
	}
	return files, nil
}

// loadRun reads one report and the latencies (ms) of its successful
// attempts from the attempt log beside it (nil without one).
func loadRun(file string) (reports.Run, error) {
	rep, err := reports.Load(file)
	if err != nil {
		return reports.Run{}, fmt.Errorf("load run %s: %w", file, err)
	}
	dir := filepath.Dir(file)
	run := reports.Run{Report: rep, Dir: dir}
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		return run, nil // summary only: no CDF, no attempts test
	}
	defer f.Close()
	lat := []float64{}
	err = reports.ReadAttemptLog(f, func(a reports.Attempt) error {
		if a.Class == reports.ClassNone {
			lat = append(lat, float64(a.Latency)/1e6)
		}
		return nil
	})
	if err != nil {
		return reports.Run{}, fmt.Errorf("read attempt log of %s: %w", dir, err)
	}
	run.Latencies = lat
	return run, nil
}
