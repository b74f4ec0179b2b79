package storm

import (
	"testing"
	"unsafe"
)

// TestStateSizes holds the per-caller state at the sizes docs/long-runs.md
// counts: a storm keeps one caller (and, periodic, one periodicState and
// one schedule item) per caller for its whole run, so a field added here
// is a million times its size.
func TestStateSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"caller", unsafe.Sizeof(caller{}), 16},
		{"periodicState", unsafe.Sizeof(periodicState{}), 40},
		{"item", unsafe.Sizeof(item{}), 16},
	} {
		if c.got != c.want {
			t.Errorf("%s is %d bytes, want %d (docs/long-runs.md, Memory)", c.name, c.got, c.want)
		}
	}
}
