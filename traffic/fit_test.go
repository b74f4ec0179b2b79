package traffic

import (
	"testing"
	"time"
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
		{"flat", flat, ProfilePoisson, 60 * time.Second, 10},
		{"ramp", ramp, ProfileRamp, 40 * time.Second, 0},
		{"spike", spike, ProfileBurst, 10 * time.Second, 0},
		{"one second", []int32{5}, ProfilePoisson, time.Second, 5},
		{"empty", nil, ProfileBurst, time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, w, r := fitArrival(tc.curve)
			if p != tc.profile || w != tc.window || r != tc.rate {
				t.Fatalf("got %s %s %g, want %s %s %g", p, w, r, tc.profile, tc.window, tc.rate)
			}
		})
	}
}

func TestSummaryFit(t *testing.T) {
	s := &Summary{Uploads: 20_000_000, BytesKey: "request_length", BytesMedian: 20_000, BytesP99: 300_000,
		BytesMax: 1_000_000, perSecond: []int32{5_000_000, 5_000_000, 5_000_000, 5_000_000}}
	f, err := s.Fit(200)
	if err != nil {
		t.Fatal(err)
	}
	want := Fit{Count: MaxFitCount, Uploads: 20_000_000, Capped: true, RecordBytes: 200, RecordsMedian: 100,
		RecordsP99: 1500, RecordsMax: 5000, Profile: ProfilePoisson, Window: 2 * time.Second, Rate: 5_000_000}
	if f != want {
		t.Fatalf("fit\n got %+v\nwant %+v", f, want)
	}
	if _, err := (&Summary{Uploads: 3}).Fit(200); err == nil {
		t.Fatal("a fit without sizes")
	}
}
