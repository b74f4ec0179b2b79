package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/rehearse-dev/rehearse/internal/atomicfile"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// WriteRunFolder writes report.json, report.html, report.md and junit.xml of
// rep into dir. Each file is written to a temporary name and renamed, so a
// reader never sees half a report. A report without a host gets this
// machine's: the one that writes a run folder is the one that ran it; one
// without attempts_log gets its folder's (reports.DescribeAttemptLog).
func WriteRunFolder(dir string, rep *reports.Report) error {
	if rep.Host == nil {
		rep.Host = reports.ThisHost()
	}
	if rep.AttemptsLog == nil {
		// A report that did not record its log (a merge) describes the
		// one beside it.
		info, err := reports.DescribeAttemptLog(dir)
		if err != nil {
			return fmt.Errorf("write run folder: %w", err)
		}
		rep.AttemptsLog = info
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{reports.ReportJSON, func(w io.Writer) error { return reports.WriteJSON(w, rep) }},
		{reports.ReportHTML, func(w io.Writer) error { return views.WriteHTML(w, rep) }},
		{reports.ReportMD, func(w io.Writer) error { return views.WriteMarkdown(w, rep) }},
		{reports.ReportJUnit, func(w io.Writer) error { return views.WriteJUnit(w, rep) }},
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

// WriteSummary writes summary.md, summary.json and summary.html comparing
// several scenarios of one run into dir.
func WriteSummary(dir string, reps []*reports.Report) error {
	if err := atomicfile.Write(filepath.Join(dir, "summary.md"), func(w io.Writer) error {
		return views.WriteMarkdown(w, reps...)
	}); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "summary.html"), func(w io.Writer) error {
		return views.WriteSummaryHTML(w, reps)
	}); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		type entry struct {
			Name    string               `json:"name"`
			Verdict reports.Verdict      `json:"verdict"`
			Expect  reports.Verdict      `json:"expect"`
			Dir     string               `json:"dir"`
			Vars    map[string]float64   `json:"metrics"`
			Gates   []reports.GateResult `json:"gates"`
		}
		out := struct {
			Schema    string          `json:"schema"`
			Verdict   reports.Verdict `json:"verdict"`
			Scenarios []entry         `json:"scenarios"`
		}{Schema: "rehearse.summary/v1", Verdict: reports.VerdictPass, Scenarios: []entry{}}
		for _, r := range reps {
			switch {
			case !reports.MetExpectation(r):
				out.Verdict = reports.VerdictFail
			case r.Verdict == reports.VerdictNoGates && out.Verdict == reports.VerdictPass:
				out.Verdict = reports.VerdictNoGates // something was not checked: never a pass
			}
			out.Scenarios = append(out.Scenarios, entry{Name: r.Scenario.Name, Verdict: r.Verdict, Expect: r.Expect, Dir: r.Scenario.Name, Vars: reports.Variables(r), Gates: r.Gates})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	})
}
