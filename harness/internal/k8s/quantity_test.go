package k8s

import (
	"errors"
	"math"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// quantityCases are held to Kubernetes' own parser.
var quantityCases = []string{
	"500m", "2", "2e15", "1e700", "0e700", "9Ei", "0.5", ".5", "1.", "256Mi", "1Gi", "1G", "1E", "1Ei", "1e3", "1E3", "1.5e-2", "+3", "-1",
	"0", "0m", "100n", "3u", "12k",
	"", "m", "1 Gi", "1gi", "1GB", "Mi", "1..5", "1e", "1e3Mi", "500 m", "0x10", "1MiB", "e3",
}

// TestQuantityAgreesWithKubernetes: checkQuantity accepts exactly the
// quantities above zero that resource.ParseQuantity accepts, with the same
// value (Kubernetes also reads "m" or "Mi" alone as zero; both refuse them).
func TestQuantityAgreesWithKubernetes(t *testing.T) {
	for _, q := range quantityCases {
		checkAgainstKubernetes(t, q)
	}
}

func checkAgainstKubernetes(t *testing.T, q string) {
	t.Helper()
	err := checkQuantity(q)
	if errors.Is(err, errOutOfRange) {
		return // beyond any node, where Kubernetes' arithmetic saturates, wraps or takes seconds
	}
	theirs, kerr := resource.ParseQuantity(q)
	if v, _ := quantityValue(q); kerr == nil && v < 1e-9 && theirs.AsApproximateFloat64() <= 1e-9 {
		return // below a nano, which Kubernetes rounds up to 1n and we refuse as nothing
	}
	if (err == nil) != (kerr == nil && theirs.Sign() > 0) {
		t.Fatalf("%q: ours %v; Kubernetes' %v, %s", q, err, kerr, theirs.String())
	}
	if err != nil {
		return
	}
	ours, _ := quantityValue(q)
	want := theirs.AsApproximateFloat64()
	// Kubernetes rounds up to the nano (n) and keeps 1e-9 of precision.
	if math.Abs(ours-want) > 1.5e-9*math.Max(1, math.Abs(want)) {
		t.Fatalf("%q = %g, Kubernetes says %g", q, ours, want)
	}
}

// FuzzQuantity: the grammar agrees with Kubernetes' parser on any text.
func FuzzQuantity(f *testing.F) {
	for _, q := range quantityCases {
		f.Add(q)
	}
	f.Fuzz(checkAgainstKubernetes)
}

// TestQuantityLimits: zero and negative quantities are refused, and so is
// memory in bare bytes below what a shard needs.
func TestQuantityLimits(t *testing.T) {
	for q, ok := range map[string]bool{"500m": true, "0": false, "-1": false, "0.0": false, "1m": true} {
		if err := checkQuantity(q); (err == nil) != ok {
			t.Errorf("checkQuantity(%q) = %v, want ok %v", q, err, ok)
		}
	}
	for q, ok := range map[string]bool{"256Mi": true, "32Mi": true, "1Gi": true, "256": false, "31Mi": false, "0.5Gi": true, "abc": false} {
		if err := checkMemory(q); (err == nil) != ok {
			t.Errorf("checkMemory(%q) = %v, want ok %v", q, err, ok)
		}
	}
}
