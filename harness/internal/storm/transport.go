package storm

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// newHTTPTransport is the client of the status polls and verify reads of a
// storm of n callers: a few requests beside the uploads, which go through
// the wire (package wire), over the same TLS (tc, TLSConfig's; nil for http).
// Each poll carries its own context.
func newHTTPTransport(n int, tc *tls.Config) *http.Transport {
	return &http.Transport{
		TLSClientConfig: tc,
		// No LocalAddr: binding 0.0.0.0 fails with thousands of TIME_WAIT sockets.
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: max(min(n, defaultPollers*4), 2),
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}
