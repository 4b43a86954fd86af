package chaos

import (
	"bytes"
	"context"
	"flag"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/estest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// Secrets used across the security tests; none may appear in any log.
const (
	natsPassword = "nats-Pa55-5ecret-1"
	esAPIKey     = "ZXMtYXBpLWtleS1zZWNyZXQ6c2VjcmV0LWtleQ=="
	esPassword   = "es-Pa55-5ecret-2"
	intakeToken  = "intake-t0ken-5ecret-3-long"
)

var secrets = []string{natsPassword, esAPIKey, esPassword, intakeToken}

func startServer(t *testing.T, o *server.Options) *server.Server {
	t.Helper()
	o.Host, o.Port, o.NoLog, o.NoSigs = "127.0.0.1", -1, true, true
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// connects reports whether stage.Connect reaches the server with cfg. The
// runtime retries a failed first connect forever, so a refused one shows
// as a connection that never flushes.
func connects(cfg stage.NATSConfig, log *zap.Logger) error {
	nc, err := stage.Connect(cfg, "security-test", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	return nc.FlushTimeout(2 * time.Second)
}

func TestNATSAuthAndTLS(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	seedFile := filepath.Join(dir, "user.nk")
	os.WriteFile(seedFile, seed, 0o600)
	other, _ := nkeys.CreateUser()
	otherSeed, _ := other.Seed()
	otherSeedFile := filepath.Join(dir, "other.nk")
	os.WriteFile(otherSeedFile, otherSeed, 0o600)

	userSrv := startServer(t, &server.Options{Users: []*server.User{{Username: "ingest", Password: natsPassword}}})
	nkeySrv := startServer(t, &server.Options{Nkeys: []*server.NkeyUser{{Nkey: pub}}})
	tlsSrv := startServer(t, &server.Options{TLS: true, TLSConfig: p.serverTLS(t, false), TLSTimeout: 2})
	mtlsSrv := startServer(t, &server.Options{TLS: true, TLSVerify: true, TLSConfig: p.serverTLS(t, true), TLSTimeout: 2})
	tlsURL := func(s *server.Server) string { return strings.Replace(s.ClientURL(), "nats://", "tls://", 1) }

	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)
	tests := []struct {
		name   string
		cfg    stage.NATSConfig
		wantOK bool
	}{
		{"user and password", stage.NATSConfig{URL: userSrv.ClientURL(), User: "ingest", Password: natsPassword}, true},
		{"wrong password", stage.NATSConfig{URL: userSrv.ClientURL(), User: "ingest", Password: natsPassword + "x"}, false},
		{"no credentials", stage.NATSConfig{URL: userSrv.ClientURL()}, false},
		{"nkey seed", stage.NATSConfig{URL: nkeySrv.ClientURL(), NKeyFile: seedFile}, true},
		{"unknown nkey", stage.NATSConfig{URL: nkeySrv.ClientURL(), NKeyFile: otherSeedFile}, false},
		{"TLS with the CA", stage.NATSConfig{URL: tlsURL(tlsSrv), CACert: p.CA}, true},
		{"TLS with another CA", stage.NATSConfig{URL: tlsURL(tlsSrv), CACert: p.OtherCA}, false},
		{"TLS without a CA", stage.NATSConfig{URL: tlsURL(tlsSrv)}, false},
		{"mTLS with a client certificate", stage.NATSConfig{URL: tlsURL(mtlsSrv), CACert: p.CA, Cert: p.ClientCert, Key: p.ClientKey}, true},
		{"mTLS without a client certificate", stage.NATSConfig{URL: tlsURL(mtlsSrv), CACert: p.CA}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := connects(tt.cfg, log)
			if got := err == nil; got != tt.wantOK {
				t.Errorf("connected = %v (%v), want %v", got, err, tt.wantOK)
			}
		})
	}
	assertNoSecrets(t, logs)
}

func TestNATSConfigValidateRejectsMixedAuth(t *testing.T) {
	cfg := stage.DefaultConfig()
	cfg.NATS.CredsFile, cfg.NATS.User = "/x.creds", "u"
	cfg.NATS.Cert = "/c.crt"
	err := cfg.Validate()
	for _, want := range []string{"NEWSFLOW_NATS_CREDS excludes", "NEWSFLOW_NATS_CERT and NEWSFLOW_NATS_KEY go together"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to say %q", err, want)
		}
	}
}

// tlsES serves the double over HTTPS with a certificate from p.
func tlsES(t *testing.T, p pki, es *estest.Server) string {
	t.Helper()
	u, _ := url.Parse(es.URL)
	srv := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(u))
	srv.TLS = p.serverTLS(t, false)
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestIndexerAPIKeyAndCA(t *testing.T) {
	p := newPKI(t)
	es := estest.NewServer()
	defer es.Close()
	es.RequireAPIKey(esAPIKey)
	esURL := tlsES(t, p, es)
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)

	tests := []struct {
		name    string
		apiKey  string
		ca      string
		wantErr string
	}{
		{"API key and CA", esAPIKey, p.CA, ""},
		{"wrong API key", "d3Jvbmc6a2V5", p.CA, "401"},
		{"no API key", "", p.CA, "401"},
		{"another CA", esAPIKey, p.OtherCA, "certificate"},
		{"system CAs only", esAPIKey, "", "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := indexer.DefaultConfig()
			cfg.URL, cfg.APIKey, cfg.CACert = esURL, tt.apiKey, tt.ca
			cfg.StartTimeout = 2 * time.Second
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			log.Info("starting", zap.Stringer("config", cfg))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ix, err := indexer.New(ctx, cfg, log)
			if err == nil {
				defer ix.Close(ctx)
			} else {
				// What a service does with a start error: log it once.
				log.Error("exiting", zap.Error(err))
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New: %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
	assertNoSecrets(t, logs)
}

func TestIndexerBasicAuthNotLogged(t *testing.T) {
	es := estest.NewServer()
	defer es.Close()
	es.RequireBasicAuth("newsflow_indexer", esPassword)
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)
	for _, pass := range []string{esPassword, esPassword + "-wrong"} {
		cfg := indexer.DefaultConfig()
		cfg.URL, cfg.Username, cfg.Password = es.URL, "newsflow_indexer", pass
		cfg.StartTimeout = 2 * time.Second
		log.Info("starting", zap.Stringer("config", cfg))
		ix, err := indexer.New(context.Background(), cfg, log)
		if pass == esPassword {
			if err != nil {
				t.Fatalf("right password: %v", err)
			}
			ix.Close(context.Background())
			continue
		}
		if err == nil {
			ix.Close(context.Background())
			t.Fatal("wrong password: New succeeded")
		}
		log.Error("exiting", zap.Error(err))
	}
	assertNoSecrets(t, logs)
}

// TestRuntimeStartLogsNoSecret logs what stage.Main logs at start, and
// what the runtime logs while it cannot authenticate, with every secret
// set.
func TestRuntimeStartLogsNoSecret(t *testing.T) {
	srv := startServer(t, &server.Options{Users: []*server.User{{Username: "ingest", Password: natsPassword}}})
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)
	cfg := stage.DefaultConfig()
	cfg.NATS.URL = "nats://ingest:" + natsPassword + "@" + strings.TrimPrefix(srv.ClientURL(), "nats://")
	cfg.NATS.User, cfg.NATS.Password = "ingest", natsPassword
	log.Info("starting", cfg.LogFields()...)
	ic := intake.HandlerConfig{Token: intakeToken}
	log.Info("intake", zap.Stringer("config", ic))
	ec := indexer.DefaultConfig()
	ec.URL, ec.APIKey, ec.Username, ec.Password = "https://es:9200", esAPIKey, "u", esPassword
	log.Info("indexer", zap.Stringer("config", ec))

	// A wrong password: the runtime keeps trying and logs why.
	bad := cfg
	bad.NATS.URL = srv.ClientURL()
	bad.NATS.Password = natsPassword + "-wrong"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	rt, err := stage.Open(ctx, bad, "ingest", log)
	if err == nil {
		rt.Shutdown(context.Background())
		t.Fatal("Open with a wrong password succeeded")
	}
	log.Error("exiting", zap.Error(err))
	if logs.Len() < 4 {
		t.Fatalf("only %d log entries; the test would prove nothing", logs.Len())
	}
	assertNoSecrets(t, logs)
}

// assertNoSecrets encodes every entry as the services' JSON logger would
// and fails on any secret, or any secret's base64-free prefix.
func assertNoSecrets(t *testing.T, logs *observer.ObservedLogs) {
	t.Helper()
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	for _, e := range logs.All() {
		buf, err := enc.EncodeEntry(e.Entry, e.Context)
		if err != nil {
			t.Fatal(err)
		}
		line := buf.String()
		buf.Free()
		for _, s := range secrets {
			if strings.Contains(line, s) || strings.Contains(line, s[:12]) {
				t.Errorf("a log entry carries a secret: %s", line)
			}
		}
	}
}

func TestIntakeBearerToken(t *testing.T) {
	h := newIntake(t, intake.HandlerConfig{Token: intakeToken})
	body := string(mustJSON(t, Article("auth", 1)))
	tests := []struct {
		name, auth string
		want       int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"wrong token", "Bearer " + strings.Repeat("x", len(intakeToken)), http.StatusUnauthorized},
		{"prefix of the token", "Bearer " + intakeToken[:len(intakeToken)-1], http.StatusUnauthorized},
		{"token and more", "Bearer " + intakeToken + "x", http.StatusUnauthorized},
		{"basic auth", "Basic " + intakeToken, http.StatusUnauthorized},
		{"bare token", intakeToken, http.StatusUnauthorized},
		{"right token", "Bearer " + intakeToken, http.StatusAccepted},
		{"scheme in lower case", "bearer " + intakeToken, http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, intake.Path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status %d (%s), want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.want == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if err := (intake.HandlerConfig{Token: "short"}).Validate(); err == nil {
		t.Error("a 5-character token passed Validate")
	}
}

// TestHelpHidesSecrets prints every service's flag usage, as a mistyped
// flag does to the container log, with every secret in the environment.
//
// Known bug, so it runs only with NEWSFLOW_CHAOS_KNOWN_BUGS=1: stage.EnvFlags
// makes the environment value the flag's default, and flag.PrintDefaults
// prints defaults, so NEWSFLOW_NATS_PASSWORD, NEWSFLOW_ES_API_KEY and
// NEWSFLOW_ES_PASSWORD appear in -help and usage output. Intake's token
// is registered with an empty default and stays hidden.
func TestHelpHidesSecrets(t *testing.T) {
	t.Setenv("NEWSFLOW_NATS_PASSWORD", natsPassword)
	t.Setenv("NEWSFLOW_ES_API_KEY", esAPIKey)
	t.Setenv("NEWSFLOW_ES_PASSWORD", esPassword)
	t.Setenv("NEWSFLOW_INTAKE_TOKEN", intakeToken)
	// As stage.Main registers them.
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	cfg := stage.DefaultConfig()
	own := &stage.EnvFlags{FlagSet: fs}
	cfg.Flags(own)
	ic := intake.HandlerConfig{}
	ic.Flags(own)
	ec := indexer.DefaultConfig()
	ec.Flags(own)
	fs.PrintDefaults()
	for _, s := range secrets {
		if strings.Contains(out.String(), s) {
			t.Errorf("usage output carries a secret (%s…)", s[:6])
		}
	}
}
