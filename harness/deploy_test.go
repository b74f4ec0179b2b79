package harness

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/sut/teamapi"
)

// A deploy command that fails fails the rehearsal, its exit code and last
// lines in the report; one that cannot be run is refused before the storm.
func TestDeployCommandFailures(t *testing.T) {
	svc := teamapi.New(teamapi.Config{JobDelay: time.Millisecond})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	scn := func(cmd string) *scenarios.Scenario {
		return harnesstest.Scenario(t, `name: deploy
sut: {url: "`+srv.URL+`"}
api: {upload: "POST /api/v3/batches?tenant={caller}", completion: none}
callers: {count: 5, records: 1, timeout: 2s}
arrival: {profile: burst, window: 1s}
upgrade: {at: 100ms, `+cmd+`}
`)
	}
	res, err := Run(t.Context(), scn(`shell: "echo migrating; echo 'error: schema lock held' >&2; exit 3"`), Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	last := r.Gates[len(r.Gates)-1]
	if r.Verdict != "fail" || r.Cutover == nil || r.Cutover.ExitCode == nil || *r.Cutover.ExitCode != 3 || r.Cutover.CommandS == nil ||
		last.Pass || !strings.Contains(last.Reason, "exited with 3") || !strings.Contains(last.Reason, "schema lock held") {
		t.Fatalf("verdict %s cutover %+v gates %+v", r.Verdict, r.Cutover, r.Gates)
	}
	_, err = Run(t.Context(), scn(`command: ["./no-such-deploy.sh", "v2"]`), Options{Out: t.TempDir()})
	if !errors.Is(err, scenarios.ErrInvalid) || !strings.Contains(err.Error(), "no-such-deploy.sh") {
		t.Fatalf("a missing command: %v", err)
	}
}
