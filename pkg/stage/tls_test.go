package stage_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "newsflow-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// With a certificate configured, the runtime serves HTTPS only, and the
// container healthcheck speaks it.
func TestServeHTTPS(t *testing.T) {
	e := newEnv(t)
	e.cfg.HTTPTLSCert, e.cfg.HTTPTLSKey = writeCert(t)
	e.cfg.HTTPAddr = "127.0.0.1:" + strconv.Itoa(freePort(t))
	nc, err := nats.Connect(e.url)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := stage.OpenConn(context.Background(), nc, e.cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stage.Start(context.Background(), rt, passthrough("indexer", stage.SubjectEnriched, "", func(context.Context, *schema.Document) (*schema.Document, error) { return nil, nil })); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- rt.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := stage.Healthcheck(e.cfg.HTTPAddr, true)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HTTPS healthcheck: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := stage.Healthcheck(e.cfg.HTTPAddr, false); err == nil {
		t.Error("plain HTTP answered; want HTTPS only")
	}
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Get("http://" + e.cfg.HTTPAddr + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP /healthz answered 200")
		}
	}
}
