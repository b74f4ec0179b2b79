package stats

import "math"

// Welch is Welch's t-test of the difference of means y - x, for samples too
// small for a rank test to ever be significant (3 runs a side: the exact
// Mann-Whitney p is at least 0.1): it assumes each side's values are
// roughly normal, which a rank test does not. Both samples need 2 values.
// When neither side varies, P is 0 for different means and 1 for equal
// ones, and the interval is the difference itself.
func Welch(x, y []float64, conf float64) (diff, p, low, high float64) {
	mx, vx := MeanVar(x)
	my, vy := MeanVar(y)
	diff = my - mx
	se2 := vx/float64(len(x)) + vy/float64(len(y))
	if se2 == 0 {
		if diff == 0 {
			return 0, 1, 0, 0
		}
		return diff, 0, diff, diff
	}
	se := math.Sqrt(se2)
	// Welch-Satterthwaite degrees of freedom.
	a, b := vx/float64(len(x)), vy/float64(len(y))
	df := se2 * se2 / (a*a/float64(len(x)-1) + b*b/float64(len(y)-1))
	t := diff / se
	p = 2 * studentTail(math.Abs(t), df)
	q := studentQuantile(1-(1-conf)/2, df)
	return diff, min(p, 1), diff - q*se, diff + q*se
}

// MeanVar is the mean and the sample variance of v.
func MeanVar(v []float64) (float64, float64) {
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return m, s / float64(len(v)-1)
}

// studentTail is P(T > t) for Student's t with df degrees of freedom, t >= 0.
func studentTail(t, df float64) float64 {
	return 0.5 * regIncBeta(df/2, 0.5, df/(df+t*t))
}

// studentQuantile is the t with P(T <= t) = p, for p in (0.5, 1), by bisection.
func studentQuantile(p, df float64) float64 {
	lo, hi := 0.0, 1e3
	for range 200 {
		mid := (lo + hi) / 2
		if 1-studentTail(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), by its
// continued fraction (Numerical Recipes' betacf).
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log(1-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

func betaCF(a, b, x float64) float64 {
	const eps, tiny = 1e-14, 1e-300
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1.0; m <= 300; m++ {
		m2 := 2 * m
		for _, aa := range []float64{m * (b - m) * x / ((a + m2 - 1) * (a + m2)), -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))} {
			d = 1 + aa*d
			if math.Abs(d) < tiny {
				d = tiny
			}
			c = 1 + aa/c
			if math.Abs(c) < tiny {
				c = tiny
			}
			d = 1 / d
			h *= d * c
		}
		if math.Abs(d*c-1) < eps {
			break
		}
	}
	return h
}
