package wire

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"syscall"
)

// Errors of the wire, each the root of an attempt's class (classify.go).
var (
	// ErrTimeout is the caller's timeout, however the wire met it.
	ErrTimeout = errors.New("deadline exceeded")
	// ErrConnTimeout: no connection within callers.connect_timeout.
	ErrConnTimeout = errors.New("connect timeout")
	// ErrClosed: the request was written and the connection ended (an end
	// of stream or a reset) before any byte of an answer.
	ErrClosed = errors.New("connection closed without an answer")
	// errNotWritten: the first write on a connection failed before a byte
	// left; on a kept connection the request is sent again on a new one.
	errNotWritten = errors.New("nothing written")
	// errUnread: a kept connection ended without an answer, and the
	// service's machine had acknowledged no byte of the request: the
	// service closed it (its idle timeout) as the request was sent, and
	// never read it. It is sent again, as errNotWritten.
	errUnread = errors.New("closed by the service before it read the request")
	// errAnswered: the service answered a request that asked first
	// (Expect: 100-continue) before its body was sent; x holds the answer.
	errAnswered = errors.New("answered before the body was asked for")
	// errAnsweredEarly: an answer came while the body was being written.
	errAnsweredEarly = errors.New("answered before the body was sent")
)

// ProtocolError is an answer that cannot be read as HTTP/1.x, as net/http
// would refuse it: a malformed head, conflicting lengths, an unknown
// transfer coding. Class protocol, never a timeout.
type ProtocolError struct {
	msg string
	err error // the cause, when one of the wire's own
}

func (e *ProtocolError) Error() string { return "protocol error: " + e.msg }

func (e *ProtocolError) Unwrap() error { return e.err }

// ProtocolErrorf is a ProtocolError saying format with args.
func ProtocolErrorf(format string, args ...any) error {
	return &ProtocolError{msg: fmt.Sprintf(format, args...)}
}

// ClosedWithoutAnswer names an end of the connection met where an answer
// should begin; a timeout or another error stays what it is.
func ClosedWithoutAnswer(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}

// isNetError reports whether err came from the connection itself (a
// deadline, a reset) rather than from the bytes read.
func isNetError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, os.ErrDeadlineExceeded)
}

// IsTLSError reports whether err is a TLS failure: an alert from the
// service, a certificate this machine does not trust, a broken record.
func IsTLSError(err error) bool {
	var alert tls.AlertError
	var op *net.OpError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	// An alert the service sent arrives as a "remote error" (crypto/tls
	// keeps its alert type private).
	remote := errors.As(err, &op) && op.Op == "remote error"
	return remote || errors.As(err, &alert) || errors.As(err, &verify) || errors.As(err, &record) ||
		errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// isTimeoutErr reports whether err is a deadline's.
func isTimeoutErr(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// TLS alerts a service sends when it wants a client certificate it did
// not get, or refuses the one it got (RFC 8446 §6.2).
const (
	alertBadCertificate      = 42
	alertUnknownCA           = 48
	alertCertificateRequired = 116
)

// TLSHint is what to change in sut.tls for a TLS failure, read from the
// error's type ("" when nothing there would help): the CA for an
// untrusted certificate, server_name for a name mismatch, a client
// certificate for a service that asks for one or refuses ours, https for
// a service that does not speak TLS.
func TLSHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var record tls.RecordHeaderError
	switch code, alerted := tlsAlert(err); {
	case errors.As(err, &unknown):
		return "set sut.tls.ca to the CA that signed the service's certificate"
	case errors.As(err, &host):
		return "set sut.tls.server_name to a name the service's certificate holds"
	case alerted && (code == alertCertificateRequired || code == alertBadCertificate || code == alertUnknownCA):
		return "the service wants a client certificate it trusts: set sut.tls.client_cert and sut.tls.client_key"
	case errors.As(err, &record):
		return "the service does not speak TLS there: is the target http://, not https://?"
	}
	return ""
}

// tlsAlert is the code of the alert the service sent, when err is one.
// crypto/tls keeps the type of a received alert private (a uint8 inside
// a "remote error"), so it is read by its kind, never from its text.
func tlsAlert(err error) (uint8, bool) {
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return uint8(alert), true
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" || op.Err == nil {
		return 0, false
	}
	if v := reflect.ValueOf(op.Err); v.Kind() == reflect.Uint8 {
		return uint8(v.Uint()), true
	}
	return 0, false
}
