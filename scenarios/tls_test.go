package scenarios

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and its key as PEM to
// dir/name.pem and dir/name.key.
func writeCert(t *testing.T, dir, name string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, name+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	write(t, filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
	write(t, filepath.Join(dir, name+".der"), der)
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A sut.tls whose files are beside the scenario (wherever rehearse runs)
// loads: the CA's certificate and the client pair are read from there.
func TestTLSFilesAreRelativeToTheScenario(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "ca")
	writeCert(t, dir, "client")
	sc, err := parseIn(t, dir, "name: t\nsut:\n  url: https://127.0.0.1:8443\n"+
		"  tls: {ca: ca.pem, client_cert: client.pem, client_key: client.key, server_name: api.internal}\ncallers: {count: 1}\n")
	if err != nil {
		t.Fatal(err)
	}
	roots, client, err := sc.TLSMaterial()
	if err != nil || len(roots) != 1 || roots[0].Subject.CommonName != "ca" || client == nil {
		t.Fatalf("roots %v client %v err %v", roots, client, err)
	}
	if w := strings.Join(sc.Warnings(), "\n"); strings.Contains(w, "sut.tls") {
		t.Fatalf("warnings %q", w)
	}
}

// Every bad sut.tls is an error at the line and column of its key, before
// anything starts.
func TestTLSBadInputAtLineColumn(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "ca")
	writeCert(t, dir, "client")
	writeCert(t, dir, "other")
	write(t, filepath.Join(dir, "notes.txt"), []byte("not a certificate\n"))
	for _, c := range []struct{ name, tls, want string }{
		{"ca not PEM", "{ca: notes.txt}", "s.yaml:4:13: sut.tls.ca: " + filepath.Join(dir, "notes.txt") + " is not PEM"},
		{"ca as DER", "{ca: ca.der}", "s.yaml:4:13: sut.tls.ca: " + filepath.Join(dir, "ca.der") + " is not PEM"},
		{"ca missing", "{ca: gone.pem}", "s.yaml:4:13: sut.tls.ca: open " + filepath.Join(dir, "gone.pem")},
		{"cert without key", "{client_cert: client.pem}", "s.yaml:4:22: sut.tls.client_cert: needs client_key"},
		{"key without cert", "{client_key: client.key}", "s.yaml:4:21: sut.tls.client_key: needs client_cert"},
		{"key of another cert", "{client_cert: client.pem, client_key: other.key}",
			"s.yaml:4:46: sut.tls.client_key: other.key is not the key of client.pem: tls: private key does not match public key"},
		{"cert not PEM", "{client_cert: notes.txt, client_key: client.key}", "s.yaml:4:22: sut.tls.client_cert: notes.txt is not PEM"},
		{"server_name a URL", "{server_name: \"https://api.internal\"}", "s.yaml:4:22: sut.tls.server_name: must be a host name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseIn(t, dir, "name: t\nsut:\n  url: https://127.0.0.1:8443\n  tls: "+c.tls+"\n")
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant %q", err, c.want)
			}
		})
	}
}

// sut.tls belongs to the target, not to an upgrade's new SUT.
func TestTLSOnlyOnTheTarget(t *testing.T) {
	_, err := Parse("s.yaml", []byte("name: t\nsut: {reference: {mode: sync}}\n"+
		"upgrade: {at: 1s, to: {reference: {mode: async}, tls: {insecure: true}}}\ncallers: {count: 1}\n"))
	if err == nil || !strings.Contains(err.Error(), "upgrade.to.tls: is the target's") {
		t.Fatalf("error %v", err)
	}
}

// insecure is said out loud before the run, and so is a sut.tls an http
// target never uses.
func TestTLSWarnings(t *testing.T) {
	sc, err := Parse("s.yaml", []byte("name: t\nsut: {url: \"https://127.0.0.1:8443\", tls: {insecure: true}}\ncallers: {count: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(sc.Warnings(), "\n"); !strings.Contains(w, "sut.tls.insecure: the service's certificate is not verified") {
		t.Fatalf("warnings %q", w)
	}
	sc, err = Parse("s.yaml", []byte("name: t\nsut: {url: \"http://127.0.0.1:8080\", tls: {server_name: api.internal}}\ncallers: {count: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(sc.Warnings(), "\n"); !strings.Contains(w, "sut.tls applies to an https target") {
		t.Fatalf("warnings %q", w)
	}
}
