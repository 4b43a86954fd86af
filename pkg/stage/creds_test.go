package stage_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// operator is a NATS server in operator (decentralized JWT) mode, as
// operators run it with nsc: an operator, a system account, and the
// pipeline's account with JetStream, whose key signs user credentials.
type operator struct {
	url     string
	account nkeys.KeyPair
	dir     string
}

// startOperator starts a JetStream server that trusts a fresh operator
// and knows one account; revoked lists user keys the account revokes.
func startOperator(t *testing.T, revoked ...string) *operator {
	t.Helper()
	op := mustKey(t, nkeys.CreateOperator)
	opPub := publicKey(t, op)
	sys := mustKey(t, nkeys.CreateAccount)
	sysPub := publicKey(t, sys)
	acc := mustKey(t, nkeys.CreateAccount)
	accPub := publicKey(t, acc)

	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "newsflow-test"
	oc.SystemAccount = sysPub
	opJWT, err := oc.Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	operatorClaims, err := jwt.DecodeOperatorClaims(opJWT)
	if err != nil {
		t.Fatal(err)
	}
	sc := jwt.NewAccountClaims(sysPub)
	sc.Name = "SYS"
	sysJWT, err := sc.Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	ac := jwt.NewAccountClaims(accPub)
	ac.Name = "PIPELINE"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	for _, pub := range revoked {
		// Every JWT of this user issued until a minute from now.
		ac.RevokeAt(pub, time.Now().Add(time.Minute))
	}
	accJWT, err := ac.Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	resolver := &server.MemAccResolver{}
	for pub, j := range map[string]string{sysPub: sysJWT, accPub: accJWT} {
		if err := resolver.Store(pub, j); err != nil {
			t.Fatal(err)
		}
	}
	s, err := server.NewServer(&server.Options{
		Host:             "127.0.0.1",
		Port:             -1,
		JetStream:        true,
		StoreDir:         t.TempDir(),
		TrustedOperators: []*jwt.OperatorClaims{operatorClaims},
		SystemAccount:    sysPub,
		AccountResolver:  resolver,
		NoLog:            true,
		NoSigs:           true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("operator-mode server not ready")
	}
	return &operator{url: s.ClientURL(), account: acc, dir: t.TempDir()}
}

func mustKey(t *testing.T, create func() (nkeys.KeyPair, error)) nkeys.KeyPair {
	t.Helper()
	kp, err := create()
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func publicKey(t *testing.T, kp nkeys.KeyPair) string {
	t.Helper()
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// creds writes a .creds file (user JWT and seed, as `nsc generate creds`
// writes it) for a new user signed by signer, and returns its path and
// the user's public key.
func (o *operator) creds(t *testing.T, name string, signer nkeys.KeyPair) (path, userPub string) {
	t.Helper()
	user := mustKey(t, nkeys.CreateUser)
	return writeCredsFor(t, o, name, user, signer), publicKey(t, user)
}

// credsConfig is the runtime configuration an operator sets with
// NEWSFLOW_NATS_URL and NEWSFLOW_NATS_CREDS.
func credsConfig(t *testing.T, url, creds string) stage.Config {
	t.Helper()
	fs := flag.NewFlagSet("creds-test", flag.ContinueOnError)
	cfg := stage.DefaultConfig()
	env := map[string]string{"NEWSFLOW_NATS_URL": url, "NEWSFLOW_NATS_CREDS": creds, "NEWSFLOW_STREAM_MAX_BYTES": "16777216"}
	e := &stage.EnvFlags{FlagSet: fs, Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	cfg.Flags(e)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(e.Err(), cfg.Validate()); err != nil {
		t.Fatal(err)
	}
	cfg.Consumer.RetryMin, cfg.Consumer.RetryMax = 50*time.Millisecond, 200*time.Millisecond
	return cfg
}

// TestCredsFileRunsAStage connects the runtime with a user .creds file
// through NEWSFLOW_NATS_CREDS, as in an nsc-managed deployment, and runs
// an article through a stage.
func TestCredsFileRunsAStage(t *testing.T) {
	o := startOperator(t)
	path, _ := o.creds(t, "enrich", o.account)
	cfg := credsConfig(t, o.url, path)
	if cfg.NATS.CredsFile != path {
		t.Fatalf("NEWSFLOW_NATS_CREDS read as %q, want %q", cfg.NATS.CredsFile, path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := stage.Open(ctx, cfg, stage.NameEnrich, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("open with creds: %v", err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := rt.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	if _, err := stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
		Name: stage.NameEnrich, Input: stage.SubjectDeduped, Output: stage.SubjectEnriched,
		Decode: schema.DecodeDocument,
		Process: func(_ context.Context, d *schema.Document) (*schema.Document, error) {
			d.Title = "enriched: " + d.Title
			return d, nil
		},
	}); err != nil {
		t.Fatalf("start: %v", err)
	}
	js := rt.JetStream()
	out, err := js.OrderedConsumer(ctx, stage.StreamEnriched, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	publishDoc(t, js, stage.SubjectDeduped, doc("creds-1", "Body of an article sent with a creds file."))
	m, err := out.Next()
	if err != nil {
		t.Fatalf("no output on %s: %v", stage.SubjectEnriched, err)
	}
	got, err := schema.DecodeDocument(m.Data())
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "creds-1" || got.Title != "enriched: Title creds-1" {
		t.Errorf("output = %s %q, want creds-1 %q", got.ID, got.Title, "enriched: Title creds-1")
	}
}

// TestCredsFileRefused checks that credentials the server must not accept
// are refused, and that the error says why.
func TestCredsFileRefused(t *testing.T) {
	// The revoked user's key must be known before the account JWT is
	// signed, so make the key first.
	revokedUser := mustKey(t, nkeys.CreateUser)
	o := startOperator(t, publicKey(t, revokedUser))
	stranger := mustKey(t, nkeys.CreateAccount)

	revoked := writeCredsFor(t, o, "revoked", revokedUser, o.account)
	foreign, _ := o.creds(t, "foreign", stranger) // signed by an account the operator never issued
	garbled := filepath.Join(o.dir, "garbled.creds")
	if err := os.WriteFile(garbled, []byte("-----BEGIN NATS USER JWT-----\nnot a jwt\n------END NATS USER JWT------\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(o.dir, "missing.creds")

	tests := []struct {
		name, path string
		// want is a piece of the error each must carry.
		want []string
	}{
		// The server tells a client no more than this (it logs why).
		{"revoked user", revoked, []string{"authorization violation"}},
		{"user of an unknown account", foreign, []string{"authorization violation"}},
		{"garbled file", garbled, []string{"garbled.creds", "no nkey seed found"}},
		{"missing file", missing, []string{"missing.creds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := credsConfig(t, o.url, tt.path)
			// The connection, as stage.Open dials it: with retries on a
			// failed first connect, so the refusal shows as the
			// connection closing with the server's reason.
			nc, err := stage.Connect(cfg.NATS, "creds-test", zaptest.NewLogger(t))
			if err == nil {
				// A server refusal closes the connection; a file the client
				// cannot use keeps it reconnecting. Either way it never
				// connects, and LastError says why.
				closed := nc.StatusChanged(nats.CLOSED)
				if !nc.IsClosed() {
					select {
					case <-closed:
					case <-time.After(5 * time.Second):
					}
				}
				connected := nc.IsConnected()
				err = nc.LastError()
				nc.Close()
				if connected {
					t.Fatal("connected with credentials the server must refuse")
				}
				if err == nil {
					t.Fatal("refused without an error")
				}
			}
			msg := strings.ToLower(err.Error())
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// The runtime must not open on such credentials, and when the
			// server refuses them it says so at once instead of waiting
			// for ctx to end.
			refusedByServer := tt.path == revoked || tt.path == foreign
			wait := 2 * time.Second // a file the client cannot use: it keeps trying
			if refusedByServer {
				wait = 10 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			rt, err := stage.Open(ctx, cfg, "creds-test", zaptest.NewLogger(t))
			if err == nil {
				rt.Shutdown(ctx)
				t.Fatal("the runtime opened with credentials the server must refuse")
			}
			if refusedByServer {
				if ctx.Err() != nil || !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
					t.Errorf("stage.Open = %v (ctx %v); want the server's refusal before the deadline", err, ctx.Err())
				}
			}
		})
	}
}

// writeCredsFor is creds for an existing user key pair.
func writeCredsFor(t *testing.T, o *operator, name string, user, signer nkeys.KeyPair) string {
	t.Helper()
	uc := jwt.NewUserClaims(publicKey(t, user))
	uc.Name = name
	userJWT, err := uc.Encode(signer)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	data, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(o.dir, name+".creds")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
