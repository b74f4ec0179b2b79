package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// strictCheck validates v against the subset of JSON Schema that
// schema/compare.v2.json uses: $ref into $defs, type, enum, required,
// properties, additionalProperties false, items.
func strictCheck(root, s map[string]any, v any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		s = root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return []string{fmt.Sprintf("%s: %v not in %v", path, v, enum)}
	}
	if typ, ok := s["type"]; ok {
		types := []any{typ}
		if l, ok := typ.([]any); ok {
			types = l
		}
		if !slices.ContainsFunc(types, func(ty any) bool { return typeOf(v, ty.(string)) }) {
			return []string{fmt.Sprintf("%s: %v is not %v", path, v, typ)}
		}
	}
	var errs []string
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %s", path, r))
			}
		}
		for k, val := range obj {
			ps, named := props[k]
			if !named {
				if s["additionalProperties"] == false {
					errs = append(errs, fmt.Sprintf("%s: key %s not in the schema", path, k))
				}
				continue
			}
			errs = append(errs, strictCheck(root, ps.(map[string]any), val, path+"."+k)...)
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range arr {
				errs = append(errs, strictCheck(root, items, it, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func compareSchema(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("schema/compare.v2.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	return schema
}

// TestCompareJSONMatchesSchema: compare.json of several runs a side (with
// the latency CDF) and of one run a side (nulls, notes) validate against
// schema/compare.v2.json, which names every metric compare judges.
func TestCompareJSONMatchesSchema(t *testing.T) {
	schema := compareSchema(t)
	rng := rand.New(rand.NewPCG(11, 12))
	runs := Compare(Build{Ms: 40, RunNoise: 0.05}.Runs(rng, "v1", 5), Build{Ms: 48, RunNoise: 0.05}.Runs(rng, "v2", 5), CompareOptions{})
	runs.Baseline.Hosts = []string{"AMD EPYC ×2, linux/amd64"}
	single := Compare(One(SyncAct()), One(AsyncAct()), CompareOptions{})
	for name, c := range map[string]*Comparison{"runs": runs, "single": single} {
		var buf bytes.Buffer
		if err := WriteComparisonJSON(&buf, c); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		if errs := strictCheck(schema, schema, v, "$"); len(errs) > 0 {
			t.Errorf("%s: compare.json violates the schema:\n%s", name, strings.Join(errs, "\n"))
		}
	}
	if runs.CDF == nil || single.CDF != nil {
		t.Errorf("CDF: runs %v, single (no attempt logs) %v", runs.CDF != nil, single.CDF != nil)
	}
	metrics := schema["properties"].(map[string]any)["metrics"].(map[string]any)["items"].(map[string]any)
	var names []string
	for _, n := range metrics["properties"].(map[string]any)["name"].(map[string]any)["enum"].([]any) {
		names = append(names, n.(string))
	}
	if !slices.Equal(names, CompareMetricNames()) {
		t.Errorf("schema names %v, compare judges %v", names, CompareMetricNames())
	}
}
