package scenarios

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TLS is sut.tls: how rehearse speaks TLS to an https target, as the
// team's own clients do. Every file is relative to the scenario's folder.
// The zero value (or no sut.tls) verifies the service's certificate
// against the system's roots for the target's host name.
type TLS struct {
	// CA is a PEM file of the certificates that signed the service's
	// (an internal CA); they are trusted besides the system's roots.
	CA string `yaml:"ca" json:"ca,omitempty"`
	// ClientCert and ClientKey are the PEM client certificate and its
	// private key, for a service that asks for one (mutual TLS). One
	// needs the other.
	ClientCert string `yaml:"client_cert" json:"client_cert,omitempty"`
	ClientKey  string `yaml:"client_key" json:"client_key,omitempty"`
	// ServerName is the name the service's certificate is verified for
	// (and sent as SNI) when the target is reached by another: an IP
	// address, a tunnel's port. "" is the target's host.
	ServerName string `yaml:"server_name" json:"server_name,omitempty"`
	// Insecure verifies nothing: any certificate is taken. Every report
	// of such a run says so (TLSInsecureNote).
	Insecure bool `yaml:"insecure" json:"insecure,omitempty"`
}

// TLSInsecureNote is the note of every report of a run made with
// sut.tls.insecure: its numbers came from a service nobody verified.
const TLSInsecureNote = "TLS verification was off (sut.tls.insecure)"

// TLSFile is p, a sut.tls file, as it is read: when relative, against the
// scenario's folder (Dir), wherever rehearse was started.
func (s *Scenario) TLSFile(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir(), p)
}

// TLSMaterial is sut.tls's files as read: the CA's certificates (nil
// without ca) and the client certificate (nil without one). It fails
// with the first file that cannot be read or used; Parse has checked them
// all already, so an error here is a file changed since.
func (s *Scenario) TLSMaterial() (roots []*x509.Certificate, client *tls.Certificate, err error) {
	t := s.SUT.TLS
	if t == nil {
		return nil, nil, nil
	}
	if t.CA != "" {
		if roots, err = ReadCAFile(s.TLSFile(t.CA)); err != nil {
			return nil, nil, fmt.Errorf("read sut.tls.ca: %w", err)
		}
	}
	if t.ClientCert != "" || t.ClientKey != "" {
		c, err := tls.LoadX509KeyPair(s.TLSFile(t.ClientCert), s.TLSFile(t.ClientKey))
		if err != nil {
			return nil, nil, fmt.Errorf("read sut.tls.client_cert and client_key: %w", err)
		}
		client = &c
	}
	return roots, client, nil
}

// ReadCAFile reads the PEM certificates of a CA file: every CERTIFICATE
// block, each parsed. A file with none (DER, a key, text) is an error.
func ReadCAFile(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for rest := b; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: certificate %d: %w", path, len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s is not PEM: it holds no -----BEGIN CERTIFICATE----- block", path)
	}
	return out, nil
}

// validateTLS checks sut.tls: its files exist and are PEM, a client
// certificate comes with its key and they are a pair, and server_name is a
// bare host name. Each problem is reported at its key.
func (s *Scenario) validateTLS(l *locator) {
	t := s.SUT.TLS
	if t == nil {
		return
	}
	if t.CA != "" {
		if _, err := ReadCAFile(s.TLSFile(t.CA)); err != nil {
			l.add("sut.tls.ca", "%v", err)
		}
	}
	certOK, keyOK := s.checkPEMFile(l, "sut.tls.client_cert", t.ClientCert), s.checkPEMFile(l, "sut.tls.client_key", t.ClientKey)
	switch {
	case t.ClientCert != "" && t.ClientKey == "":
		l.add("sut.tls.client_cert", "needs client_key: the private key of the client certificate")
	case t.ClientKey != "" && t.ClientCert == "":
		l.add("sut.tls.client_key", "needs client_cert: the client certificate of this private key")
	case certOK && keyOK && t.ClientCert != "":
		if _, err := tls.LoadX509KeyPair(s.TLSFile(t.ClientCert), s.TLSFile(t.ClientKey)); err != nil {
			l.add("sut.tls.client_key", "%s is not the key of %s: %v", t.ClientKey, t.ClientCert, err)
		}
	}
	if n := t.ServerName; n != "" && (strings.ContainsAny(n, "/ \t") || strings.Contains(n, "://")) {
		l.add("sut.tls.server_name", "must be a host name (api.internal), got %q", n)
	}
}

// checkPEMFile reports whether the file at key p (when given) can be
// read and holds PEM; a problem is added at p.
func (s *Scenario) checkPEMFile(l *locator, p, file string) bool {
	if file == "" {
		return false
	}
	b, err := os.ReadFile(s.TLSFile(file))
	if err != nil {
		l.add(p, "%v", err)
		return false
	}
	if blk, _ := pem.Decode(b); blk == nil {
		l.add(p, "%s is not PEM: it holds no -----BEGIN ...----- block", file)
		return false
	}
	return true
}

// tlsWarnings are sut.tls's advice: verification off, and settings an
// http target never uses.
func (s *Scenario) tlsWarnings() []string {
	t := s.SUT.TLS
	if t == nil {
		return nil
	}
	var out []string
	if t.Insecure {
		out = append(out, "sut.tls.insecure: the service's certificate is not verified; every report of this run says so")
		if t.CA != "" || t.ServerName != "" {
			out = append(out, "sut.tls.insecure: ca and server_name are not checked when nothing is verified")
		}
	}
	if !strings.HasPrefix(s.SUT.URL, "https://") {
		out = append(out, "sut.tls applies to an https target; this scenario's is not (it is used with an https --target)")
	}
	return out
}
