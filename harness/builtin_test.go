package harness

import (
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// runBuiltin runs the built-in scenario name in its container, changed by
// scale first (a smaller storm for a test), and proves it left nothing.
func runBuiltin(t *testing.T, name string, scale func(*scenarios.Scenario)) *reports.Report {
	t.Helper()
	testenv.RequireDocker(t)
	scs, err := scenarios.Resolve(name)
	if err != nil {
		t.Fatal(err)
	}
	sc := scs[0]
	scale(sc)
	id := NewRunID(time.Now())
	defer testenv.NoLeftovers(t, id)
	res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), RunID: id, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return res.Report
}
