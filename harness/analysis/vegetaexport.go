package analysis

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// VegetaEncoding is how ExportVegeta encodes vegeta results.
type VegetaEncoding int

// The encodings of vegeta's results, each written by vegeta's own encoder.
const (
	// VegetaGob is vegeta's default encoding, what `vegeta attack` writes
	// and `vegeta report` and `vegeta plot` read unless told otherwise.
	VegetaGob VegetaEncoding = iota
	// VegetaJSON is vegeta's JSON lines, one result per line (`vegeta
	// encode -to json`).
	VegetaJSON
)

// VegetaEpoch is the time a run's first attempt offsets are added to when
// the run folder does not record when its storm started (a run killed
// before it wrote report.json): the results' timestamps are then offsets
// from it, which vegeta's durations and rates read correctly.
var VegetaEpoch = time.Unix(0, 0).UTC()

// VegetaExport is what ExportVegeta wrote, and what the results could not
// say because the run folder did not record it.
type VegetaExport struct {
	Results int64
	// Notes say what the results hold in place of what was not recorded:
	// vegeta's format has no "not measured".
	Notes []string
}

// ExportVegeta writes the attempts of the run folder dir (its
// attempts.csv.gz or attempts.csv, in the order the attempts ended, as vegeta writes results)
// to w as vegeta results, encoded by vegeta's own encoder. Each result is
// one attempt, retries included: Attack is the scenario's name, Seq the
// attempt's place in send order (from 0), Timestamp the storm's start plus
// when it was sent, Latency, Code (0 when no answer came), Error the
// attempt's class when it was not a success ("timeout", "http_5xx",
// "aborted", ...), BytesOut and BytesIn the bodies' bytes, Method, and URL
// the target followed by the upload's path as the scenario wrote it
// (placeholders such as {caller} left in: a result does not say which
// caller sent it). Headers and bodies are left out, and with them every
// secret a scenario may hold.
//
// What dir does not record is filled as vegeta would read it and named in
// the returned Notes: without report.json (a killed run) the start is
// VegetaEpoch, Method and URL are empty and Attack is the folder's name;
// without the byte columns (an attempts.csv of an older rehearse) the
// bytes are 0. A last line cut off by a kill is left out.
func ExportVegeta(dir string, w io.Writer, enc VegetaEncoding) (VegetaExport, error) {
	var out VegetaExport
	meta, err := vegetaMeta(dir)
	if err != nil {
		return out, err
	}
	out.Notes = meta.notes
	f, err := reports.OpenAttemptLog(dir)
	if err != nil {
		return out, fmt.Errorf("export vegeta results: %w", err)
	}
	defer f.Close()
	seq, err := sendOrder(f)
	if err != nil {
		return out, fmt.Errorf("export vegeta results: %s: %w", f.Name(), err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return out, fmt.Errorf("export vegeta results: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	encode := vegeta.NewEncoder(bw)
	if enc == VegetaJSON {
		encode = vegeta.NewJSONEncoder(bw)
	}
	var res vegeta.Result
	scan, err := reports.ScanAttemptLog(f, func(a reports.Attempt) error {
		if out.Results == int64(len(seq)) {
			return nil // written after the first read: the run is still going
		}
		meta.result(&res, a, seq[out.Results])
		out.Results++
		return encode.Encode(&res)
	})
	if err != nil {
		return out, fmt.Errorf("export vegeta results: %s: %w", f.Name(), err)
	}
	if err := bw.Flush(); err != nil {
		return out, fmt.Errorf("export vegeta results: %w", err)
	}
	out.Notes = append(out.Notes, scanNotes(scan, out.Results)...)
	return out, nil
}

// sendOrder reads an attempt log and returns each line's place in send
// order (by sent offset; lines sent at the same time keep their order).
func sendOrder(r io.Reader) ([]uint64, error) {
	var sent []time.Duration
	if _, err := reports.ScanAttemptLog(r, func(a reports.Attempt) error {
		sent = append(sent, a.Sent)
		return nil
	}); err != nil {
		return nil, err
	}
	byTime := make([]int, len(sent))
	for i := range byTime {
		byTime[i] = i
	}
	slices.SortStableFunc(byTime, func(a, b int) int { return cmp.Compare(sent[a], sent[b]) })
	seq := make([]uint64, len(sent))
	for rank, line := range byTime {
		seq[line] = uint64(rank)
	}
	return seq, nil
}

// scanNotes says what the log itself did not record, and when it holds a
// sample of the callers only.
func scanNotes(scan reports.AttemptLogScan, n int64) []string {
	var notes []string
	if scan.Log.Sampled() {
		notes = append(notes, "the attempt log holds "+scan.Log.SampleText()+" (--attempts): the results are that sample's attempts, not the whole run's")
	}
	if !scan.Bytes && n > 0 {
		notes = append(notes, "attempts.csv has no byte counts (written by an older rehearse): bytes_out and bytes_in are 0 in every result, as vegeta's format has no \"not measured\"")
	}
	if scan.Cut {
		notes = append(notes, "the end of the attempt log was cut off when the run died and was left out")
	}
	return notes
}

// vegetaRun is what every result of a run shares.
type vegetaRun struct {
	attack      string
	start       time.Time
	method, url string
	notes       []string
}

// vegetaMeta reads what the results share from the run folder's
// report.json; a folder without one (a killed run) has only its name.
func vegetaMeta(dir string) (vegetaRun, error) {
	m := vegetaRun{attack: filepath.Base(filepath.Clean(dir)), start: VegetaEpoch}
	rep, err := reports.Load(filepath.Join(dir, reports.ReportJSON))
	if errors.Is(err, fs.ErrNotExist) {
		m.notes = append(m.notes, fmt.Sprintf("%s has no %s (the run was killed before writing it): when the storm started is not recorded, so timestamps are offsets from %s, and method and url are empty",
			dir, reports.ReportJSON, VegetaEpoch.Format(time.RFC3339)))
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("export vegeta results: %w", err)
	}
	m.attack, m.start = rep.Scenario.Name, rep.StartedAt
	if rep.ScenarioYAML == "" {
		m.notes = append(m.notes, "the report does not hold the scenario as run: method and url are empty")
		return m, nil
	}
	// Parsing validates, which reads the scenario's ${NAME} secrets from
	// the environment: one unset here leaves method and url out, said.
	sc, err := scenarios.Parse(rep.Scenario.File, []byte(rep.ScenarioYAML))
	if err != nil {
		m.notes = append(m.notes, fmt.Sprintf("the scenario as run does not load here, so method and url are empty: %v", err))
		return m, nil
	}
	m.method = sc.API.Upload.Method
	m.url = strings.TrimSuffix(rep.SUT.Target, "/") + sc.API.Upload.Path
	return m, nil
}

// result fills res with attempt a, the seq'th sent.
func (m *vegetaRun) result(res *vegeta.Result, a reports.Attempt, seq uint64) {
	*res = vegeta.Result{Attack: m.attack, Seq: seq, Code: uint16(a.Status), Timestamp: m.start.Add(a.Sent),
		Latency: a.Latency, BytesOut: uint64(max(a.BytesOut, 0)), BytesIn: uint64(max(a.BytesIn, 0)),
		Error: string(a.Class), Method: m.method, URL: m.url}
}
