package deploy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// startWith starts svc as its main would, on a runtime of its own, with
// env as the whole environment; it returns the runtime, or the error the
// start ended with.
func startWith(ctx context.Context, t *testing.T, svc string, env map[string]string) (*stage.Runtime, error) {
	t.Helper()
	rtCfg, s, _, _ := parseSettings(t, svc, env)
	nc, err := nats.Connect(rtCfg.NATS.URL)
	if err != nil {
		return nil, err
	}
	rt, err := stage.OpenConn(ctx, nc, rtCfg, zaptest.NewLogger(t))
	if err != nil {
		nc.Close()
		return nil, err
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	if err := s.Start(ctx, rt); err != nil {
		return rt, err
	}
	return rt, nil
}

// streamConfig reads a stream's configuration from the server.
func streamConfig(ctx context.Context, t *testing.T, js jetstream.JetStream, name string) jetstream.StreamConfig {
	t.Helper()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("stream %s on the server: %v", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.Config
}

// TestSettingsChangeWhatTheServerHolds starts the five services, as their
// mains do, on one JetStream server with non-default stream, consumer,
// bucket and log settings, and reads back from the server what each one
// made: the streams, the durable consumers, dedupe's band log and record
// bucket, ingest's boilerplate bucket and the story log. The settings an
// operator sizes a deployment with are checked here by their effect, not
// by the config struct they land in.
func TestSettingsChangeWhatTheServerHolds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := natstest.Server(t)
	es := estest.NewServer()
	defer es.Close()
	env := map[string]string{
		"NEWSFLOW_NATS_URL":         srv.ClientURL(),
		"NEWSFLOW_ES_URL":           es.URL,
		"NEWSFLOW_STREAM_MAX_AGE":   "49h",
		"NEWSFLOW_STREAM_MAX_BYTES": "7340032",
		"NEWSFLOW_ACK_WAIT":         "47s",
		// ingest
		"NEWSFLOW_INGEST_BOILERPLATE_BUCKET": "boilerplate7",
		"NEWSFLOW_INTAKE_TOKEN":              "token7",
		"NEWSFLOW_INTAKE_MAX_BODY_BYTES":     "7000",
		// dedupe
		"NEWSFLOW_DEDUPE_WINDOW":        "77h",
		"NEWSFLOW_DEDUPE_BAND_BUCKET":   "bands7",
		"NEWSFLOW_DEDUPE_RECORD_BUCKET": "records7",
		"NEWSFLOW_DEDUPE_KV_MEMORY":     "true",
		"NEWSFLOW_DEDUPE_INDEX_DIR":     t.TempDir(),
		// stories
		"NEWSFLOW_STORIES_LOG_STREAM":    "STORIES_LOG_7",
		"NEWSFLOW_STORIES_LOG_MAX_BYTES": "7777777",
		// indexer
		"NEWSFLOW_INDEXER_MAX_INFLIGHT": "3000",
	}
	var ingestRT *stage.Runtime
	for _, svc := range pipeline {
		rt, err := startWith(ctx, t, svc, env)
		if err != nil {
			t.Fatalf("start %s: %v", svc, err)
		}
		if svc == "ingest" {
			ingestRT = rt
		}
	}
	js, err := jetstream.New(natsConn(t, srv.ClientURL()))
	if err != nil {
		t.Fatal(err)
	}

	// NEWSFLOW_STREAM_MAX_AGE, NEWSFLOW_STREAM_MAX_BYTES: every pipeline
	// stream.
	for _, name := range []string{stage.StreamRaw, stage.StreamCleaned, stage.StreamDeduped, stage.StreamEnriched,
		stage.StreamStoried, stage.StreamStories, stage.StreamDead} {
		c := streamConfig(ctx, t, js, name)
		if c.MaxAge != 49*time.Hour || c.MaxBytes != 7340032 {
			t.Errorf("stream %s: max_age %s, max_bytes %d; want 49h and 7340032 (NEWSFLOW_STREAM_MAX_AGE, NEWSFLOW_STREAM_MAX_BYTES)", name, c.MaxAge, c.MaxBytes)
		}
	}
	// NEWSFLOW_ACK_WAIT on every durable consumer, and the indexer's
	// 4 × NEWSFLOW_INDEXER_MAX_INFLIGHT unacknowledged messages.
	consumers := 0
	for name := range js.StreamNames(ctx).Name() {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		for info := range s.ListConsumers(ctx).Info() {
			if info.Config.Durable == "" {
				continue
			}
			consumers++
			if info.Config.AckWait != 47*time.Second {
				t.Errorf("consumer %s on %s: ack_wait %s; want 47s (NEWSFLOW_ACK_WAIT)", info.Name, name, info.Config.AckWait)
			}
			if info.Name == stage.NameIndex && name == stage.StreamStoried && info.Config.MaxAckPending != 4*3000 {
				t.Errorf("indexer consumer max_ack_pending = %d; want 12000 (4 × NEWSFLOW_INDEXER_MAX_INFLIGHT)", info.Config.MaxAckPending)
			}
		}
	}
	if consumers < len(pipeline) {
		t.Errorf("%d durable consumers on the server; want one per service at least (%d)", consumers, len(pipeline))
	}
	// NEWSFLOW_INGEST_BOILERPLATE_BUCKET.
	if _, err := js.KeyValue(ctx, "boilerplate7"); err != nil {
		t.Errorf("ingest's boilerplate bucket boilerplate7 (NEWSFLOW_INGEST_BOILERPLATE_BUCKET): %v", err)
	}
	// NEWSFLOW_DEDUPE_*: the band log is BANDLOG_<band bucket>, aged out
	// after the window; both in memory.
	if c := streamConfig(ctx, t, js, "BANDLOG_bands7"); c.MaxAge != 77*time.Hour || c.Storage != jetstream.MemoryStorage {
		t.Errorf("dedupe band log: max_age %s, storage %s; want 77h (NEWSFLOW_DEDUPE_WINDOW) in memory (NEWSFLOW_DEDUPE_KV_MEMORY)", c.MaxAge, c.Storage)
	}
	if c := streamConfig(ctx, t, js, "KV_records7"); c.Storage != jetstream.MemoryStorage {
		t.Errorf("dedupe record bucket records7 (NEWSFLOW_DEDUPE_RECORD_BUCKET): storage %s; want memory (NEWSFLOW_DEDUPE_KV_MEMORY)", c.Storage)
	}
	// NEWSFLOW_STORIES_LOG_STREAM, NEWSFLOW_STORIES_LOG_MAX_BYTES.
	if c := streamConfig(ctx, t, js, "STORIES_LOG_7"); c.MaxBytes != 7777777 {
		t.Errorf("story log STORIES_LOG_7: max_bytes %d; want 7777777 (NEWSFLOW_STORIES_LOG_MAX_BYTES)", c.MaxBytes)
	}
	// NEWSFLOW_INTAKE_TOKEN, NEWSFLOW_INTAKE_MAX_BODY_BYTES: what the
	// intake answers.
	intake := httptest.NewServer(ingestRT.Handler())
	defer intake.Close()
	post := func(token string, body string) int {
		req, _ := http.NewRequest(http.MethodPost, intake.URL+"/v1/articles", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("", `{}`); code != http.StatusUnauthorized {
		t.Errorf("intake without the token: %d; want 401 (NEWSFLOW_INTAKE_TOKEN)", code)
	}
	if code := post("token7", `{"text":"`+strings.Repeat("a", 7000)+`"}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("intake with a 7,011-byte body: %d; want 413 (NEWSFLOW_INTAKE_MAX_BODY_BYTES=7000)", code)
	}

	// NEWSFLOW_STREAM_PROVISION=false: a service only checks the streams,
	// so a different NEWSFLOW_STREAM_MAX_AGE changes nothing.
	env["NEWSFLOW_STREAM_PROVISION"], env["NEWSFLOW_STREAM_MAX_AGE"] = "false", "50h"
	if _, err := startWith(ctx, t, "indexer", env); err != nil {
		t.Fatalf("start the indexer without provisioning: %v", err)
	}
	if c := streamConfig(ctx, t, js, stage.StreamStoried); c.MaxAge != 49*time.Hour {
		t.Errorf("NEWSFLOW_STREAM_PROVISION=false: a start with NEWSFLOW_STREAM_MAX_AGE=50h changed the stream to %s", c.MaxAge)
	}
}

// TestReplicaSettingsReachTheServer sets each replica count to 3 on a
// single server, which JetStream refuses: the start fails saying so, so
// each setting reaches the request that creates its stream or bucket.
func TestReplicaSettingsReachTheServer(t *testing.T) {
	srv := natstest.Server(t)
	es := estest.NewServer()
	defer es.Close()
	base := map[string]string{"NEWSFLOW_NATS_URL": srv.ClientURL(), "NEWSFLOW_ES_URL": es.URL, "NEWSFLOW_STREAM_MAX_BYTES": "7340032",
		"NEWSFLOW_DEDUPE_INDEX_DIR": t.TempDir(), "NEWSFLOW_STORIES_LOG_MAX_BYTES": "7777777"}
	for _, c := range []struct{ svc, name, fresh string }{
		{"indexer", "NEWSFLOW_STREAM_REPLICAS", ""},
		{"ingest", "NEWSFLOW_INGEST_KV_REPLICAS", "NEWSFLOW_INGEST_BOILERPLATE_BUCKET"},
		{"dedupe", "NEWSFLOW_DEDUPE_KV_REPLICAS", "NEWSFLOW_DEDUPE_RECORD_BUCKET"},
		{"stories", "NEWSFLOW_STORIES_LOG_REPLICAS", "NEWSFLOW_STORIES_LOG_STREAM"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if c.fresh != "" {
				// The pipeline's streams first, with one replica.
				if _, err := startWith(ctx, t, c.svc, base); err != nil {
					t.Fatalf("start %s with one replica: %v", c.svc, err)
				}
			}
			env := map[string]string{c.name: "3"}
			for k, v := range base {
				env[k] = v
			}
			if c.fresh != "" {
				env[c.fresh] = "R3_" + strings.ToLower(c.svc) // a bucket or stream that does not exist yet
				if c.svc == "stories" {
					env[c.fresh] = "STORIES_LOG_R3"
				}
			}
			_, err := startWith(ctx, t, c.svc, env)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), "replicas") {
				t.Errorf("%s=3 on a single server: start returned %v; want the server's refusal of 3 replicas", c.name, err)
			}
		})
	}
}

// TestHTTPSettingsChangeTheServer checks the runtime's HTTP settings by
// what its server does: NEWSFLOW_HTTP_ADDR is where it listens,
// NEWSFLOW_HTTP_TLS_CERT/KEY make it speak HTTPS with that certificate,
// NEWSFLOW_PPROF serves the profiler.
func TestHTTPSettingsChangeTheServer(t *testing.T) {
	dir := t.TempDir()
	writeCerts(t, dir) // nats/nats.crt is valid for 127.0.0.1
	ca, err := os.ReadFile(filepath.Join(dir, "ca/ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	srv := natstest.Server(t)
	for _, c := range []struct {
		name   string
		tls    bool
		pprof  bool
		expect int // the profiler's status
	}{
		{"plain, no profiler", false, false, http.StatusNotFound},
		{"TLS and the profiler", true, true, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			addr := freeAddr(t)
			env := map[string]string{"NEWSFLOW_NATS_URL": srv.ClientURL(), "NEWSFLOW_HTTP_ADDR": addr,
				"NEWSFLOW_STREAM_MAX_BYTES": "7340032", "NEWSFLOW_PPROF": fmt.Sprint(c.pprof)}
			scheme, client := "http", &http.Client{Timeout: 10 * time.Second}
			if c.tls {
				env["NEWSFLOW_HTTP_TLS_CERT"] = filepath.Join(dir, "nats/nats.crt")
				env["NEWSFLOW_HTTP_TLS_KEY"] = filepath.Join(dir, "nats/nats.key")
				scheme = "https"
				client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
			}
			rtCfg, _, _, _ := parseSettings(t, "indexer", env)
			rt, err := stage.OpenConn(ctx, natsConn(t, srv.ClientURL()), rtCfg, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = rt.Shutdown(context.Background()) }()
			if err := rt.Listen(); err != nil {
				t.Fatal(err)
			}
			get := func(path string) (int, string) {
				res, err := client.Get(scheme + "://" + addr + path)
				if err != nil {
					t.Fatalf("GET %s://%s%s: %v", scheme, addr, path, err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			if code, body := get("/healthz"); code != http.StatusOK {
				t.Errorf("/healthz at NEWSFLOW_HTTP_ADDR %s: %d %s", addr, code, body)
			}
			if code, _ := get("/debug/pprof/"); code != c.expect {
				t.Errorf("/debug/pprof/ with NEWSFLOW_PPROF=%v: %d; want %d", c.pprof, code, c.expect)
			}
			if !c.tls {
				// A TLS client is refused by the plain server.
				tc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
				if res, err := tc.Get("https://" + addr + "/healthz"); err == nil {
					res.Body.Close()
					t.Errorf("HTTPS answered without NEWSFLOW_HTTP_TLS_CERT")
				}
			}
		})
	}
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// natsConn connects to url for the length of the test.
func natsConn(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}
