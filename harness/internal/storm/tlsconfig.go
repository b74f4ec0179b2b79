package storm

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// TLSConfig is the client TLS of every request rehearse makes to sc's
// service at host: the uploads (the wire), the status polls, listings and
// read-backs (net/http), and the harness's health and readiness checks —
// one configuration, so a service that needs an internal CA or a client
// certificate is reached the same way by all of them. From sut.tls: the
// CA's certificates trusted besides the system's roots (SSL_CERT_FILE
// still counts), the client certificate, the name verified (server_name,
// else host), or no verification (insecure). sessions sizes the session
// cache, so a new connection resumes an earlier one's session rather than
// paying a full handshake. It fails when a sut.tls file cannot be read
// (Parse checked them: it changed since).
func TLSConfig(sc *scenarios.Scenario, host string, sessions int) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, NextProtos: []string{"http/1.1"},
		ClientSessionCache: tls.NewLRUClientSessionCache(max(sessions, 64))}
	t := sc.SUT.TLS
	if t == nil {
		return cfg, nil
	}
	roots, client, err := sc.TLSMaterial()
	if err != nil {
		return nil, fmt.Errorf("storm: %w", err)
	}
	if len(roots) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool() // no system roots here: the CA alone
		}
		for _, c := range roots {
			pool.AddCert(c)
		}
		cfg.RootCAs = pool
	}
	if client != nil {
		cfg.Certificates = []tls.Certificate{*client}
	}
	if t.ServerName != "" {
		cfg.ServerName = t.ServerName
	}
	// #nosec G402 -- the team asked for it in sut.tls.insecure, and every
	// report of the run says so (scenarios.TLSInsecureNote).
	cfg.InsecureSkipVerify = t.Insecure
	return cfg, nil
}
