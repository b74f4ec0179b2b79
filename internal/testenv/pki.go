package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// PKI is a CA of a test's own making and what it signed, written as
// PEM files into dir: ca.pem; server.pem and server.key for the names
// given; client.pem and client.key for mutual TLS.
type PKI struct {
	Dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	Server tls.Certificate
	Pool   *x509.CertPool // holds the CA: the server's trust for client certificates
}

// NewPKI makes a CA in dir and a server certificate for names (DNS
// names or IP addresses) and a client certificate, all signed by it.
func NewPKI(t *testing.T, dir string, names ...string) *PKI {
	t.Helper()
	p := &PKI{Dir: dir}
	var err error
	if p.caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rehearse test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.ca, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	p.Pool = x509.NewCertPool()
	p.Pool.AddCert(p.ca)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", der)
	p.Server = p.issue(t, "server", x509.ExtKeyUsageServerAuth, names)
	p.issue(t, "client", x509.ExtKeyUsageClientAuth, nil)
	return p
}

// issue signs a certificate for names with usage, writes it and its key
// as <name>.pem and <name>.key, and returns it.
func (p *PKI) issue(t *testing.T, name string, usage x509.ExtKeyUsage, names []string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(p.Dir, name+".pem"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(p.Dir, name+".key"), "EC PRIVATE KEY", kb)
	c, err := tls.LoadX509KeyPair(filepath.Join(p.Dir, name+".pem"), filepath.Join(p.Dir, name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TLSServer is an httptest server over TLS that counts the handshakes it
// completed and how many of them resumed a session.
type TLSServer struct {
	*httptest.Server
	Handshakes, Resumed atomic.Int64
}

// Serve serves h over TLS with the PKI's server certificate on
// 127.0.0.1, asking for a client certificate when clientAuth says so
// (trusting the PKI's CA for it), until t ends. Its handshake failures
// are the test's to see in a report, not in the log.
func (p *PKI) Serve(t *testing.T, h http.Handler, clientAuth tls.ClientAuthType) *TLSServer {
	t.Helper()
	s := &TLSServer{Server: httptest.NewUnstartedServer(h)}
	s.TLS = &tls.Config{Certificates: []tls.Certificate{p.Server}, ClientAuth: clientAuth, ClientCAs: p.Pool,
		VerifyConnection: func(cs tls.ConnectionState) error {
			s.Handshakes.Add(1)
			if cs.DidResume {
				s.Resumed.Add(1)
			}
			return nil
		}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}
