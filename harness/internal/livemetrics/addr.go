package livemetrics

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"syscall"
)

// Errors of New, CheckAddr and CheckRemoteWrite.
var (
	// ErrBadAddr: the listen address is not host:port.
	ErrBadAddr = errors.New("malformed metrics address")
	// ErrRemoteAddr: the listen address is outside loopback and remote
	// access was not allowed.
	ErrRemoteAddr = errors.New("metrics address not on loopback")
	// ErrAddrInUse: something already listens on the address.
	ErrAddrInUse = errors.New("metrics address in use")
	// ErrBadRemoteWrite: the remote-write URL is not an http(s) URL.
	ErrBadRemoteWrite = errors.New("malformed remote-write URL")
)

// CheckAddr accepts addr when it is host:port with a port in 0-65535 and,
// unless allowRemote, a loopback host (127.0.0.0/8, ::1, localhost). An
// empty host listens on every interface, so it is remote. Its errors wrap
// ErrBadAddr or ErrRemoteAddr.
func CheckAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w %q: want host:port, e.g. 127.0.0.1:9464", ErrBadAddr, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%w %q: port %q is not in 0-65535", ErrBadAddr, addr, port)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		return fmt.Errorf("%w: %q listens on every interface", ErrRemoteAddr, addr)
	}
	return fmt.Errorf("%w: %q", ErrRemoteAddr, addr)
}

// CheckRemoteWrite accepts an http(s) URL with a host; its error wraps
// ErrBadRemoteWrite.
func CheckRemoteWrite(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w %q: want e.g. http://127.0.0.1:9090/api/v1/write", ErrBadRemoteWrite, raw)
	}
	return nil
}

// listen opens addr; an address already in use wraps ErrAddrInUse.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%w: %s", ErrAddrInUse, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}
