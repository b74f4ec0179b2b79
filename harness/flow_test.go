package harness

import (
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// TestBuiltinFlowUpload runs the built-in flow-upload scenario, scaled
// down, against its container: every caller logs in, its tokens run out
// on the way (401, a refresh, the request once more), and its upload
// goes in parts — every upload completes, the login and each step are in
// the report, and the gates pass.
func TestBuiltinFlowUpload(t *testing.T) {
	r := runBuiltin(t, "flow-upload", func(sc *scenarios.Scenario) {
		sc.Callers.Count = 60
		sc.Arrival.Window = scenarios.Duration(2 * time.Second)
	})
	if r.Verdict != "pass" || r.Callers.Succeeded != 60 || r.Login == nil || len(r.Steps) != 3 {
		t.Fatalf("verdict %s gates %+v callers %+v login %+v steps %d", r.Verdict, r.Gates, r.Callers, r.Login, len(r.Steps))
	}
	if r.Login.Refreshes == 0 || r.Login.Retried == 0 || r.Login.Errors != 0 || r.Steps[1].Attempts < 60 || r.Steps[2].Attempts < 60 {
		t.Fatalf("login %+v steps %+v", r.Login, r.Steps)
	}
}
