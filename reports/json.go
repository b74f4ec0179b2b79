package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadJSON reads a report; it must carry schema rehearse.report/v1.
func ReadJSON(rd io.Reader) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(rd, 1<<30))
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	var probe struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("read report: not JSON: %w", err)
	}
	if probe.Schema == nil || *probe.Schema != Schema {
		got := "none"
		if probe.Schema != nil {
			got = strconv.Quote(*probe.Schema)
		}
		return nil, fmt.Errorf("read report: schema %s, want %q", got, Schema)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	return &r, nil
}

// Load reads a report.json, or the report.json inside a run folder.
func Load(path string) (*Report, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "report.json")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load report: %w", err)
	}
	defer f.Close()
	r, err := ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// WriteComparisonJSON writes the comparison as JSON (schema/compare.v2.json).
func WriteComparisonJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}
