package traffic

import (
	"reflect"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// fitArrival is a pure function of the per-second curve.
func TestFitArrival(t *testing.T) {
	flat := make([]int32, 60)
	for i := range flat {
		flat[i] = 10
	}
	ramp := make([]int32, 40)
	for i := range ramp {
		ramp[i] = int32(i)
	}
	spike := make([]int32, 100)
	for i := 20; i < 30; i++ {
		spike[i] = 100
	}
	spike[80] = 3
	for _, tc := range []struct {
		name    string
		curve   []int32
		profile string
		window  time.Duration
		rate    float64
	}{
		{"flat", flat, vocab.ProfilePoisson, 60 * time.Second, 10},
		{"ramp", ramp, vocab.ProfileRamp, 40 * time.Second, 0},
		{"spike", spike, vocab.ProfileBurst, 10 * time.Second, 0},
		{"one second", []int32{5}, vocab.ProfilePoisson, time.Second, 5},
		{"empty", nil, vocab.ProfileBurst, time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, w, r := fitArrival(tc.curve)
			if p != tc.profile || w != tc.window || r != tc.rate {
				t.Fatalf("got %s %s %g, want %s %s %g", p, w, r, tc.profile, tc.window, tc.rate)
			}
		})
	}
}

// A fit keeps the log's callers as callers: two who uploaded once, two
// who uploaded nine times are 4 callers making 20 uploads, not 20
// callers of one upload each.
func TestSummaryFit(t *testing.T) {
	s := &Summary{Callers: 4, Uploads: 20, BytesKey: "request_length", BytesMedian: 20_000, BytesP99: 300_000,
		BytesMax: 1_000_000, perSecond: []int32{5, 5, 5, 5}, perCaller: map[int]int{9: 2, 1: 2}}
	f, err := s.Fit(200)
	if err != nil {
		t.Fatal(err)
	}
	want := Fit{Count: 4, Uploads: 20, PerCaller: []CallerUploads{{Callers: 2, Uploads: 1}, {Callers: 2, Uploads: 9}},
		RecordBytes: 200, RecordsMedian: 100, RecordsP99: 1500, RecordsMax: 5000, Profile: vocab.ProfilePoisson,
		Window: 4 * time.Second, Rate: 5, Steps: []FitStep{{Uploads: 20, Window: 4 * time.Second}}, StepTolerance: 0.1}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("fit\n got %+v\nwant %+v", f, want)
	}
	if _, err := (&Summary{Uploads: 3}).Fit(200); err == nil {
		t.Fatal("a fit without sizes")
	}
	if _, err := (&Summary{Uploads: 3, BytesKey: "x", Callers: MaxFitCount + 1}).Fit(200); err == nil {
		t.Fatal("a fit of more callers than a scenario holds")
	}
}

// Past MaxFitUploadLines, merged lines keep every caller and every
// upload: the fitted callers make as many uploads as the log's.
func TestFitPerCallerKeepsTotals(t *testing.T) {
	byUploads := map[int]int{}
	var callers, uploads int
	for u := 1; u <= 3*MaxFitUploadLines; u++ {
		c := 1 + u%7
		byUploads[u] = c
		callers, uploads = callers+c, uploads+c*u
	}
	lines := fitPerCaller(byUploads)
	var gotC, gotU int
	for i, l := range lines {
		if l.Callers < 1 || l.Uploads < 1 || i > 0 && l.Uploads < lines[i-1].Uploads {
			t.Fatalf("line %d: %+v after %+v", i, l, lines[max(i-1, 0)])
		}
		gotC, gotU = gotC+l.Callers, gotU+l.Callers*l.Uploads
	}
	if len(lines) > MaxFitUploadLines || gotC != callers || gotU != uploads {
		t.Fatalf("%d lines, %d callers making %d uploads; want at most %d lines, %d callers, %d uploads",
			len(lines), gotC, gotU, MaxFitUploadLines, callers, uploads)
	}
}

// The fit's steps keep the log's bursts: a quiet minute at 2 uploads/s
// with two bursts of 83 and 85 in single seconds keeps each burst in a
// second of its own (peak 85, not a mean), and the uploads in all.
func TestFitStepsKeepBursts(t *testing.T) {
	curve := make([]int32, 60)
	for i := range curve {
		curve[i] = 2
	}
	curve[12], curve[40] = 83, 85
	steps, tol := fitSteps(curve)
	total := 0
	for _, s := range steps {
		total += s.Uploads
	}
	if total != 2*58+83+85 || Peak(steps) != 85 || tol != 0.1 || len(steps) != 5 {
		t.Fatalf("steps %+v (tolerance %g): %d uploads, peak %d", steps, tol, total, Peak(steps))
	}
	long := make([]int32, 86_400) // a day, every second unlike the one before
	for i := range long {
		long[i] = int32(1 + i%2*50)
	}
	if steps, _ := fitSteps(long); len(steps) > MaxFitSteps {
		t.Fatalf("%d steps for a day", len(steps))
	}
}
