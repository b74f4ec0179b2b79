package storm

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/rehearse-dev/rehearse/reports"
)

// classify maps a vegeta result (status code and error text) to an error
// class of reports.
func classify(code int, errText string) reports.Class {
	switch {
	case code >= 200 && code < 400:
		return reports.ClassNone
	case code == 429:
		return reports.ClassHTTP429
	case code >= 500:
		return reports.ClassHTTP5xx
	case code >= 400:
		return reports.ClassHTTP4xx
	}
	e := strings.ToLower(errText)
	switch {
	case strings.Contains(e, "deadline exceeded"), strings.Contains(e, "timeout"):
		return reports.ClassTimeout
	case strings.Contains(e, "connection refused"):
		return reports.ClassConnRefused
	case strings.Contains(e, "connection reset"), strings.Contains(e, "broken pipe"):
		return reports.ClassConnReset
	case strings.Contains(e, "eof"), strings.Contains(e, "server closed"):
		return reports.ClassEOF
	}
	return reports.ClassOther
}

// localClass returns the generator's own class of err, the error of an
// attempt that failed on this machine before its request left it, or
// ClassNone when err is the service's to answer for. Out of file
// descriptors and out of ephemeral ports are named; any other dial failure
// is GenLocal. A refused or reset connection and a timeout are the
// service's, whichever layer saw them.
func localClass(err error) reports.Class {
	var op *net.OpError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return reports.GenOutOfFiles
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EADDRINUSE):
		// No LocalAddr is bound, so a busy address on connect means every
		// ephemeral port to this target is taken (TIME_WAIT).
		return reports.GenOutOfPorts
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled), errors.As(err, &ne) && ne.Timeout():
		return reports.ClassNone
	case errors.As(err, &op) && op.Op == "dial":
		return reports.GenLocal
	}
	return reports.ClassNone
}
