package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// CompareMetrics are the metrics a compare block may set a tolerance for,
// in the order compare shows them (reports.CompareMetricNames; a harness
// test ties the two lists).
var CompareMetrics = []string{
	"p50_ms", "p90_ms", "p99_ms", "throughput_rps", "timeout_rate", "error_rate", "gave_up", "retries",
	"completion_p99_ms", "crashes", "drain_s", "lost", "duplicates",
}

// compareAliases are other names a compare block accepts for a metric.
var compareAliases = map[string]string{"timeouts": "timeout_rate", "errors": "error_rate", "throughput": "throughput_rps"}

// Tolerance is how far a compared metric may move before compare calls it
// worse or better (scenario key compare: {p99_ms: 10%, timeouts: 0}): a
// number in the metric's unit, or a percentage of the baseline's median
// (Relative). A rate's tolerance (timeout_rate, error_rate) is in
// percentage points: "0.5%" is 0.005 whatever the baseline.
type Tolerance struct {
	Value    float64 `json:"value"`
	Relative bool    `json:"relative"`
}

// parseTolerance reads "10%" or "0.5".
func parseTolerance(s string) (Tolerance, error) {
	s = strings.TrimSpace(s)
	num, pct := strings.CutSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return Tolerance{}, fmt.Errorf("want a number in the metric's unit or a percentage such as 10%%, got %q", s)
	}
	if pct {
		return Tolerance{Value: v / 100, Relative: true}, nil
	}
	return Tolerance{Value: v}, nil
}

// UnmarshalYAML reads a tolerance: "10%" or a number.
func (t *Tolerance) UnmarshalYAML(n ast.Node) error {
	v, err := parseTolerance(scalar(n))
	if err != nil {
		return &posError{n.GetToken(), err.Error()}
	}
	*t = v
	return nil
}

// MarshalJSON writes the tolerance as a scenario does: "10%" or 0.5.
func (t Tolerance) MarshalJSON() ([]byte, error) {
	if t.Relative {
		return []byte(strconv.Quote(strconv.FormatFloat(t.Value*100, 'g', -1, 64) + "%")), nil
	}
	return []byte(strconv.FormatFloat(t.Value, 'g', -1, 64)), nil
}

// CompareTolerances is the compare block by metric name (an alias such as
// timeouts under its metric, timeout_rate); nil without a block.
func (s *Scenario) CompareTolerances() map[string]Tolerance {
	if len(s.Compare) == 0 {
		return nil
	}
	out := make(map[string]Tolerance, len(s.Compare))
	for k, t := range s.Compare {
		if a, ok := compareAliases[k]; ok {
			k = a
		}
		out[k] = t
	}
	return out
}

// CompareBlock reads only the compare block of a scenario's source (as a
// report records it), by metric name, without validating the rest: a
// report keeps its thresholds even when the environment it ran in (its
// secrets, its files) is gone. Nil without a block.
func CompareBlock(src []byte) (map[string]Tolerance, error) {
	var doc struct {
		Compare map[string]Tolerance `yaml:"compare"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("read compare block: %w", err)
	}
	sc := Scenario{Compare: doc.Compare}
	return sc.CompareTolerances(), nil
}

// validateCompare checks that each key of the compare block names a
// compared metric once, with a tolerance of at least 0.
func (s *Scenario) validateCompare(l *locator) {
	known := slices.Concat(CompareMetrics, []string{"timeouts", "errors", "throughput"})
	seen := map[string]string{}
	keys := make([]string, 0, len(s.Compare))
	for k := range s.Compare {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := "compare." + k
		name := k
		if a, ok := compareAliases[k]; ok {
			name = a
		}
		switch {
		case !slices.Contains(CompareMetrics, name):
			hint := "known: " + strings.Join(CompareMetrics, ", ")
			if sg := suggestMetric(k, known); sg != "" {
				hint = fmt.Sprintf("did you mean %q?", sg)
			}
			l.add(p, "no compared metric %q (%s)", k, hint)
		case seen[name] != "":
			l.add(p, "%s and %s both set the tolerance of %s", seen[name], k, name)
		case s.Compare[k].Value < 0:
			l.add(p, "a tolerance must be >= 0, got %s", fmt.Sprint(s.Compare[k].Value))
		}
		seen[name] = k
	}
}

// suggestMetric is the metric k most likely means: a near miss, or the one
// k starts (p99 for p99_ms).
func suggestMetric(k string, known []string) string {
	if sg := suggest(k, known); sg != "" {
		return sg
	}
	for _, m := range known {
		if strings.HasPrefix(m, k+"_") {
			return m
		}
	}
	return ""
}
