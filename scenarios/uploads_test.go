package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestUploadCurve: callers.uploads makes 17 callers of 50 uploads —
// callers.count their sum — each caller's uploads due in order and as
// many as its line says, and all of them on the steps' curve: none in
// the pause, the rest in their steps within a few uploads.
func TestUploadCurve(t *testing.T) {
	sc, err := Parse("u.yaml", []byte(`name: u
sut: {url: "http://127.0.0.1:1"}
callers:
  records: 1
  uploads:
    - {callers: 10, uploads: 1}
    - {callers: 5, uploads: 4}
    - {callers: 2, uploads: 10}
arrival:
  profile: steps
  steps: [{uploads: 10, window: 1s}, {rate: 0, for: 1s}, {uploads: 40, window: 500ms}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Callers.Count != 17 || sc.Callers.TotalUploads() != 50 {
		t.Fatalf("count %d, uploads %d; want 17 and 50", sc.Callers.Count, sc.Callers.TotalUploads())
	}
	var inFirst, inPause, inLast int
	for i := range 17 {
		want := map[bool]int{true: 1, false: 4}[i < 10]
		if i >= 15 {
			want = 10
		}
		n := uploadsOf(t, sc.Schedule(), i)
		for _, at := range n {
			switch {
			case at < time.Second:
				inFirst++
			case at < 2*time.Second:
				inPause++
			case at < 2500*time.Millisecond:
				inLast++
			}
		}
		if len(n) != want {
			t.Errorf("caller %d: %d uploads, want %d", i, len(n), want)
		}
	}
	if inPause != 0 || inFirst+inLast != 50 || inFirst < 8 || inFirst > 12 {
		t.Fatalf("%d uploads in the first step, %d in the pause, %d in the last; want 10, 0, 40", inFirst, inPause, inLast)
	}
}

// uploadsOf is caller's uploads as the schedule has them, checked to be
// in order.
func uploadsOf(t *testing.T, s Schedule, caller int) []time.Duration {
	t.Helper()
	var out []time.Duration
	for k := 0; ; k++ {
		at, ok := s.At(caller, k)
		if !ok {
			return out
		}
		if k > 0 && at < out[k-1] {
			t.Fatalf("caller %d: upload %d due at %s, before upload %d at %s", caller, k, at, k-1, out[k-1])
		}
		out = append(out, at)
	}
}

// TestUploadCurveKeepsBursts: a minute at 2 uploads a second with two
// one-second bursts of 83 and 85 — the log --fit was first tried on —
// made by 148 callers of 1, 3 and 8 uploads: each burst's second holds
// its uploads within 10%, and every second of the quiet minute stays
// quiet.
func TestUploadCurveKeepsBursts(t *testing.T) {
	sc, err := Parse("u.yaml", []byte(`name: u
sut: {url: "http://127.0.0.1:1"}
callers:
  records: 1
  uploads: [{callers: 100, uploads: 1}, {callers: 40, uploads: 3}, {callers: 8, uploads: 8}]
arrival:
  profile: steps
  steps:
    - {uploads: 24, window: 12s}
    - {uploads: 83, window: 1s}
    - {uploads: 54, window: 27s}
    - {uploads: 85, window: 1s}
    - {uploads: 38, window: 19s}
`))
	if err != nil {
		t.Fatal(err)
	}
	perSecond := make([]int, 60)
	for i := range sc.Callers.Count {
		for _, at := range uploadsOf(t, sc.Schedule(), i) {
			perSecond[at/time.Second]++
		}
	}
	for s, n := range perSecond {
		want := map[int]int{12: 83, 40: 85}[s]
		if want == 0 {
			want = 2
		}
		if d := n - want; d*d > max(want*want/100, 4) {
			t.Errorf("second %d: %d uploads, want %d", s, n, want)
		}
	}
}

func TestUploadCurveMistakes(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"zero uploads": {"callers: {records: 1, uploads: [{callers: 3, uploads: 0}]}\n",
			"s.yaml:3:33: callers.uploads[0]: a line is {callers: N, uploads: K} with both >= 1, got {callers: 3, uploads: 0}"},
		"count differs": {"callers: {records: 1, count: 4, uploads: [{callers: 3, uploads: 2}]}\n",
			"callers.count: is 4, but callers.uploads names 3 callers: leave count out to take their sum"},
		"two schedules": {"callers: {records: 1, every: 1m, uploads: [{callers: 3, uploads: 2}]}\nrun: {duration: 5m}\n",
			"callers.uploads: callers.every and callers.uploads are two schedules: choose one"},
		"callers step": {"callers: {records: 1, uploads: [{callers: 3, uploads: 2}]}\narrival: {profile: steps, steps: [{callers: 6, window: 2s}]}\n",
			"arrival.steps[0].callers: with callers.uploads a step counts uploads: {uploads: 6, window: 2s}"},
		"uploads step alone": {"callers: {records: 1}\narrival: {profile: steps, steps: [{uploads: 6, window: 2s}]}\n",
			"arrival.steps[0].uploads: a step of uploads is for callers that upload several times: set callers.uploads"},
		"no upload": {"callers: {records: 1, uploads: [{callers: 3, uploads: 2}]}\narrival: {profile: steps, steps: [{rate: 0, for: 2s}]}\n",
			"arrival.steps: the steps bring no upload"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte("name: s\nsut: {url: \"http://127.0.0.1:1\"}\n"+tc.yaml))
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}
