package scenarios

import (
	"math/rand/v2"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// retryKind is the retry.on kind of each class of failed attempt.
var retryKind = map[string]string{
	"timeout": vocab.RetryOnTimeout, "conn_refused": vocab.RetryOnConn, "conn_reset": vocab.RetryOnConn, "eof": vocab.RetryOnConn,
	"conn_closed": vocab.RetryOnConn, "conn_timeout": vocab.RetryOnConn, "protocol": vocab.RetryOnOther, "tls": vocab.RetryOnOther,
	"redirect": vocab.RetryOnOther, "http_4xx": vocab.RetryOn4xx, "http_429": vocab.RetryOn429, "http_5xx": vocab.RetryOn5xx,
	"other": vocab.RetryOnOther,
}

// ShouldRetry reports whether an attempt that failed with class (one of
// timeout, conn_refused, conn_reset, conn_closed, conn_timeout, eof,
// http_4xx, http_429, http_5xx, protocol, tls, other) is retried under r.On:
// "conn" takes every failure of the connection, "other" the answers that
// could not be read and the TLS failures.
func (r Retry) ShouldRetry(class string) bool {
	want := retryKind[class]
	for _, on := range r.On {
		if on == want {
			return true
		}
	}
	return false
}

// Delay is the wait before the next try after try number try (1-based)
// failed: none = 0, constant = Base, exponential = Base*2^(try-1) capped at
// Max; then jitter: full = uniform [0,d], equal = d/2 + uniform [0,d/2].
func (r Retry) Delay(try int, rnd *rand.Rand) time.Duration {
	var d time.Duration
	switch r.Backoff {
	case BackoffConstant:
		d = r.Base.D()
	case BackoffExponential:
		d = r.Base.D()
		for i := 1; i < try && d < r.Max.D(); i++ {
			d *= 2
		}
		d = min(d, r.Max.D())
	default:
		return 0
	}
	switch r.Jitter {
	case JitterFull:
		return time.Duration(rnd.Float64() * float64(d))
	case JitterEqual:
		return d/2 + time.Duration(rnd.Float64()*float64(d/2))
	}
	return d
}
