package livemetrics

import (
	"context"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/livemetrics/promtest"
	"github.com/rehearse-dev/rehearse/reports"
)

// Histograms are pushed native and classic to a Prometheus that takes
// native samples; one that refuses them (2.x without the feature) gets the
// classic buckets from then on, with no failure noted.
func TestRemoteWriteNativeAndClassic(t *testing.T) {
	for _, native := range []bool{true, false} {
		prom := promtest.Start(t, promtest.Options{RemoteWriteReceiver: true, NativeHistograms: native})
		var logged []string
		e, err := New(Options{RemoteWrite: prom.URL + promtest.RemoteWritePath, PushInterval: time.Hour,
			Logf: func(f string, a ...any) { logged = append(logged, f) }})
		if err != nil {
			t.Fatal(err)
		}
		sc := e.Scenario(Labels{Scenario: "n", Run: "native"})
		sc.Classes([]string{reports.DefaultClass})
		for i := range 1000 {
			sc.Attempt(reports.Attempt{Try: 1, Latency: time.Duration(i+1) * time.Millisecond})
		}
		if notes := sc.Finish(context.Background()); len(notes) != 0 {
			t.Fatalf("native feature %v: notes %q", native, notes)
		}
		if native != (len(logged) == 0) {
			t.Errorf("native feature %v: logged %q", native, logged)
		}
		exprs := []string{`histogram_quantile(0.5, rehearse_attempt_duration_seconds_bucket{run="native"})`}
		if native {
			exprs = append(exprs, `histogram_quantile(0.5, rehearse_attempt_duration_seconds{run="native"})`)
		}
		for _, expr := range exprs {
			// 1..1000 ms: the median is 0.5 s, within a bucket's width.
			if v := maxValue(prom.Query(t, expr)); v < 0.45 || v > 0.55 {
				t.Errorf("native feature %v: %s = %v, want about 0.5", native, expr, v)
			}
		}
		if err := e.Close(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
	}
}

func maxValue(v map[string]float64) float64 {
	m := -1.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
