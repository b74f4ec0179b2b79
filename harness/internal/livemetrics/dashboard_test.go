package livemetrics

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/harness/internal/livemetrics/promtest"
)

// Where the dashboard and the manual's PromQL (docs/metrics.md) live, from this package.
const (
	dashboardFile = "../../../docs/grafana/rehearse.json"
	readmeFile    = "../../../docs/metrics.md"
)

// knownNames are the metric names this package exposes, with the series
// a histogram adds.
func knownNames() map[string]bool {
	names := map[string]bool{}
	for _, n := range []string{NameAttempts, NameAborted, NameGeneratorErrors, NameRetries, NameCallers, NameCallersPlanned,
		NameBreakerOpens, NameUploads, NameMemory, NameCPU, NameQueueDepth, NameCrashes, NameOOMKills, NameRestarts,
		NameDowntime, NameEvents, NameEventTime, NameStormStart, NameStormEnd} {
		names[n] = true
	}
	for _, h := range []string{NameAttemptDuration, NameCompletion, NameGeneratorLag} {
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			names[h+suffix] = true
		}
	}
	return names
}

// dashboardExprs are every query of the Grafana dashboard: panels and
// annotations.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var exprs []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if e, ok := x["expr"].(string); ok {
				exprs = append(exprs, e)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var d any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	walk(d)
	if len(exprs) < 10 {
		t.Fatalf("%s: %d queries", dashboardFile, len(exprs))
	}
	return exprs
}

// readmeExprs are the lines of the README's ```promql blocks.
func readmeExprs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	var exprs []string
	in := false
	for line := range strings.SplitSeq(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "```promql"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in && strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "#"):
			exprs = append(exprs, strings.TrimSpace(line))
		}
	}
	if len(exprs) < 4 {
		t.Fatalf("README: %d PromQL examples", len(exprs))
	}
	return exprs
}

var metricName = regexp.MustCompile(`rehearse_[a-z_]+`)

// The dashboard and the README name only series this package exposes,
// and a real Prometheus parses every query.
func TestDashboardAndReadmeQueries(t *testing.T) {
	exprs := append(dashboardExprs(t), readmeExprs(t)...)
	known := knownNames()
	for _, e := range exprs {
		for _, n := range metricName.FindAllString(e, -1) {
			if !known[n] {
				t.Errorf("query %q names %s, which is no series of ours", e, n)
			}
		}
	}
	promtest.Require(t)
	prom := promtest.Start(t, promtest.Options{})
	vars := strings.NewReplacer("$scenario", ".*", "$run", ".*", "$__rate_interval", "1m")
	for _, e := range exprs {
		prom.Query(t, vars.Replace(e)) // fails the test on a parse error
	}
}
