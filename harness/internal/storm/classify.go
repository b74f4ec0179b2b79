package storm

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
	"github.com/rehearse-dev/rehearse/reports"
)

// classify maps an answer's status code to its class: 2xx is success,
// 3xx an unfollowed redirect.
func classify(code int) reports.Class {
	switch {
	case code >= 200 && code < 300:
		return reports.ClassNone
	case code >= 300 && code < 400:
		// A redirect the storm did not follow (redirect.go): the upload
		// went nowhere yet, so it is not a success.
		return reports.ClassRedirect
	case code == 429:
		return reports.ClassHTTP429
	case code >= 500:
		return reports.ClassHTTP5xx
	case code >= 400:
		return reports.ClassHTTP4xx
	}
	return reports.ClassOther // 1xx as a final answer, or 0xx
}

// errorClass is the class of an attempt that got no answer, read from the
// error's type, never its text: this machine's own failures first (the
// generator classes), then the connection's.
func errorClass(err error) reports.Class {
	var pe *wire.ProtocolError
	switch c := localClass(err); {
	case c != reports.ClassNone:
		return c
	case errors.As(err, &pe):
		return reports.ClassProtocol
	case errors.Is(err, wire.ErrConnTimeout):
		return reports.ClassConnTimeout
	case errors.Is(err, wire.ErrClosed), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return reports.ClassConnClosed
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, wire.ErrTimeout),
		errors.Is(err, context.DeadlineExceeded):
		return reports.ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return reports.ClassConnRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return reports.ClassConnReset
	case wire.IsTLSError(err):
		return reports.ClassTLS
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return reports.ClassTimeout
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
		errors.Is(err, context.Canceled), errors.Is(err, wire.ErrConnTimeout), errors.As(err, &ne) && ne.Timeout():
		return reports.ClassNone
	case errors.As(err, &op) && op.Op == "dial":
		return reports.GenLocal
	}
	return reports.ClassNone
}
