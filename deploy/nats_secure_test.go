package deploy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// writeCerts writes what the compose certs job makes, into dir: ca/ca.crt
// and nats/nats.{crt,key}, a server certificate for "nats", "localhost"
// and 127.0.0.1 signed by the CA.
func writeCerts(t *testing.T, dir string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "newsflow test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "nats"},
		DNSNames:     []string{"nats", "localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca/ca.crt", "CERTIFICATE", caDER)
	write("nats/nats.crt", "CERTIFICATE", leafDER)
	write("nats/nats.key", "EC PRIVATE KEY", keyDER)
}

// secureNATSConf returns a copy of nats/nats-secure.conf whose /certs
// and /data paths point into temporary directories, with certificates
// made there, and the credentials it reads set in the environment.
func secureNATSConf(t *testing.T) (conf, caFile string) {
	return secureNATSConfEdited(t, func(s string) string { return s })
}

// secureNATSConfEdited is secureNATSConf with edit applied to the file's
// text first.
func secureNATSConfEdited(t *testing.T, edit func(string) string) (conf, caFile string) {
	t.Helper()
	src, err := os.ReadFile("nats/nats-secure.conf")
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(edit(string(src)))
	certs, data := t.TempDir(), t.TempDir()
	writeCerts(t, certs)
	text := strings.ReplaceAll(string(src), "/certs/", certs+"/")
	text = strings.ReplaceAll(text, `"/data/`, `"`+data+"/")
	if text == string(src) {
		t.Fatal("nats-secure.conf mentions neither /certs/ nor /data/")
	}
	path := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, user := range natsUsers {
		t.Setenv(natsPasswordEnv(user), natsPassword(user))
	}
	return path, filepath.Join(certs, "ca", "ca.crt")
}

// TestNATSSecureConf starts a server from nats-secure.conf and checks
// what the services rely on: TLS with the CA from the certs job, password
// users from the environment, no anonymous access, JetStream.
func TestNATSSecureConf(t *testing.T) {
	n := startSecureNATS(t)
	url := n.url
	ca := nats.RootCAs(n.ca)

	if nc, err := nats.Connect(url, ca); err == nil {
		nc.Close()
		t.Error("connected without credentials")
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("anonymous connect: %v, want an authorization error", err)
	}
	if nc, err := nats.Connect(url, ca, nats.UserInfo("indexer", "wrong")); err == nil {
		nc.Close()
		t.Error("connected with a wrong password")
	}
	if nc, err := nats.Connect(url, nats.UserInfo("indexer", natsPassword("indexer")), nats.Secure(nil)); err == nil {
		nc.Close()
		t.Error("connected over TLS without trusting the newsflow CA")
	}

	if nc, err := nats.Connect(url, ca, nats.UserInfo("ingest", natsPassword("indexer"))); err == nil {
		nc.Close()
		t.Error("connected as ingest with the indexer's password")
	}

	nc, err := nats.Connect(url, ca, nats.UserInfo("admin", natsPassword("admin")))
	if err != nil {
		t.Fatalf("connect as admin: %v", err)
	}
	defer nc.Close()
	if !nc.TLSRequired() {
		t.Error("server does not require TLS")
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		t.Errorf("JetStream: %v", err)
	}
}
