package swarm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseCPU turns a CPU amount as Kubernetes and Docker write it ("2",
// "0.5", "500m") into NanoCPUs; "" is 0 (no limit).
func ParseCPU(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	scale := 1e9
	num := s
	if v, ok := strings.CutSuffix(s, "m"); ok {
		num, scale = v, 1e6
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("cpu %q: want a number of CPUs, e.g. 2, 0.5 or 500m", s)
	}
	return int64(math.Round(f * scale)), nil
}

// memUnits are the suffixes ParseMemory knows, longest first.
var memUnits = []struct {
	suffix string
	bytes  float64
}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
	{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}}

// ParseMemory turns a memory amount as Kubernetes writes it ("512Mi",
// "1Gi", "500M", or bytes) into bytes; "" is 0 (no limit).
func ParseMemory(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	num, mul := s, 1.0
	for _, u := range memUnits {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mul = v, u.bytes
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("memory %q: want bytes or a size like 512Mi, 1Gi or 500M", s)
	}
	return int64(math.Round(f * mul)), nil
}
