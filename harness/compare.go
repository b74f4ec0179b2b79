package harness

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/rehearse-dev/rehearse/reports"
)

// CompareRuns loads two saved runs (report.json files or run folders) and
// compares them. Per-attempt latencies come from each run's attempt log when
// it sits beside the report; without it only summary values are compared.
func CompareRuns(baseline, candidate string, opts reports.CompareOptions) (*reports.Comparison, error) {
	base, baseLat, err := loadRun(baseline)
	if err != nil {
		return nil, err
	}
	cand, candLat, err := loadRun(candidate)
	if err != nil {
		return nil, err
	}
	return reports.Compare(base, cand, baseLat, candLat, opts), nil
}

// loadRun reads a report and the latencies (ms) of its successful attempts.
func loadRun(path string) (*reports.Report, []float64, error) {
	rep, err := reports.Load(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load run %s: %w", path, err)
	}
	dir := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		dir = filepath.Dir(path)
	}
	f, err := os.Open(filepath.Join(dir, reports.AttemptLogFile))
	if err != nil {
		return rep, nil, nil // summary-only comparison
	}
	defer f.Close()
	var lat []float64
	err = reports.ReadAttemptLog(f, func(a reports.Attempt) error {
		if a.Class == reports.ClassNone {
			lat = append(lat, float64(a.Latency)/1e6)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read attempt log of %s: %w", path, err)
	}
	return rep, lat, nil
}
