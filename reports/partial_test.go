package reports_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/reports/reportstest"
	"github.com/rehearse-dev/rehearse/reports/views"
)

// partialSample is a merge of shards 0 and 2 of 4 whose gates held on what
// arrived: shard 1's share is known, shard 3's is not (an older result).
func partialSample() *reports.Report {
	r := reportstest.Sample("merged", 20_000_000)
	r.Gates = []reports.GateResult{{Expr: "p99_ms < 2000", Value: r.LatencyMs.P99, Pass: true}}
	callers, share := int64(25), 0.25
	r.MissingShards = []reports.MissingShard{{Shard: 1, Of: 4, Callers: &callers, Share: &share}, {Shard: 3, Of: 4}}
	r.Verdict, r.Expect = reports.VerdictPartial, reports.VerdictPass
	r.Shards = []reports.ShardInfo{{Shard: 0, Of: 4, Attempts: 50, Callers: 25}, {Shard: 2, Of: 4, Attempts: 50, Callers: 25}}
	return r
}

// A partial report is never a pass: every view says partial and names the
// missing shards, it never meets an expectation, the schema knows it.
func TestPartialVerdict(t *testing.T) {
	r := partialSample()
	if got, want := reports.VerdictText(r), "PARTIAL: shards 1 and 3 of 4 never reported"; got != want {
		t.Fatalf("verdict text %q, want %q (the share is not known for every shard)", got, want)
	}
	if reports.MetExpectation(r) || reports.PartialGateFailed(r) || reports.HeadlineClass(r) != "partial" {
		t.Fatalf("met %v, gate failed %v, class %s", reports.MetExpectation(r), reports.PartialGateFailed(r), reports.HeadlineClass(r))
	}
	r.MissingShards = r.MissingShards[:1]
	if got, want := reports.VerdictText(r), "PARTIAL: shard 1 of 4 never reported (25% of the callers)"; got != want {
		t.Fatalf("verdict text %q, want %q", got, want)
	}
	if got, want := reports.Headline(r, reportstest.Sample("other", 20_000_000)), "PARTIAL (1 of 2), NOT AS EXPECTED (1 of 2)"; got != want {
		t.Fatalf("headline %q, want %q", got, want)
	}
	r.Gates[0].Pass = false
	if !reports.PartialGateFailed(r) || !strings.HasSuffix(reports.VerdictText(r), ", and a gate failed on what arrived") {
		t.Fatalf("a failed gate: %q", reports.VerdictText(r))
	}
	var doc bytes.Buffer
	if err := json.NewEncoder(&doc).Encode(partialSample()); err != nil {
		t.Fatal(err)
	}
	reports.ValidateSchema(t, doc.Bytes())
	for name, write := range map[string]func(*bytes.Buffer) error{
		"table": func(b *bytes.Buffer) error { return views.WriteTable(b, r) },
		"md":    func(b *bytes.Buffer) error { return views.WriteMarkdown(b, r) },
		"junit": func(b *bytes.Buffer) error { return views.WriteJUnit(b, r) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil || !strings.Contains(b.String(), "PARTIAL: shard 1 of 4 never reported (25% of the callers)") {
			t.Errorf("%s lacks the partial verdict (%v):\n%s", name, err, b.String())
		}
	}
}
