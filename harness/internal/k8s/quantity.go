package k8s

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
)

// quantity is Kubernetes' resource quantity grammar (k8s.io/apimachinery's
// resource.Quantity): a decimal number, then a binary suffix (Ki..Ei), a
// decimal one (n, u, m, k, M..E) or an exponent (e3). A test holds it to
// the real parser.
var quantity = regexp.MustCompile(`^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$`)

// suffixes are the quantity suffixes as powers: 2^10n or 10^n.
var suffixes = map[string]float64{
	"": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
}

// quantityValue returns q's value (cores, bytes), or an error when q is not
// a quantity Kubernetes would accept.
func quantityValue(q string) (float64, error) {
	m := quantity.FindStringSubmatch(q)
	if m == nil {
		return 0, errors.New("not a Kubernetes quantity (e.g. 500m, 2, 256Mi, 1Gi)")
	}
	if len(m[1]) > maxDigits {
		return 0, errOutOfRange
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, errOutOfRange // the grammar leaves only ErrRange
	}
	if f, ok := suffixes[m[2]]; ok {
		return v * f, nil
	}
	n, err := strconv.Atoi(m[2][1:]) // an exponent: e3, E-2
	if err != nil || n < -maxExponent || n > maxExponent {
		return 0, errOutOfRange
	}
	return v * math.Pow10(n), nil
}

// A quantity is refused as out of range beyond these: more cores or bytes
// than any node has (where Kubernetes' own arithmetic saturates), or a
// number no one would write for a shard (whose parse Kubernetes takes
// seconds over).
const (
	maxQuantity = 1e15
	maxDigits   = 40
	maxExponent = 30
)

// errOutOfRange: a quantity beyond maxQuantity, maxDigits or maxExponent.
var errOutOfRange = errors.New("out of range for any node")

// checkQuantity refuses q unless it is a quantity above zero.
func checkQuantity(q string) error {
	v, err := quantityValue(q)
	if err != nil {
		return err
	}
	switch {
	case !(v > 0): // NaN too: 0e700 is 0 times an infinite power
		return errors.New("must be more than zero")
	case v > maxQuantity:
		return errOutOfRange
	}
	return nil
}

// minMemory is the least memory a shard is given: below it, a number
// without its unit (256 is 256 bytes) is the likelier meaning.
const minMemory = 32 << 20

// checkMemory refuses a memory quantity that is not one, or below minMemory.
func checkMemory(q string) error {
	if err := checkQuantity(q); err != nil {
		return err
	}
	if v, _ := quantityValue(q); v < minMemory {
		return fmt.Errorf("is %.0f bytes, less than a shard needs (at least 32Mi; a bare number is bytes: write 256Mi)", v)
	}
	return nil
}
